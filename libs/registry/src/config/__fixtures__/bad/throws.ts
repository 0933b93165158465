const depth: number = 50;

if (depth > 18) throw new Error('depth too large for this fixture');
export default { model: { type: 'RetinaNet' } };
