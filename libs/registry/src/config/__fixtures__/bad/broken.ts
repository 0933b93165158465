export default {
  model: { type: 'RetinaNet' ,, },
};
