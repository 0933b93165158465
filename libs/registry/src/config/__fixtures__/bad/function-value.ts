export default {
  model: { type: 'RetinaNet', initWeights: () => 0 },
};
