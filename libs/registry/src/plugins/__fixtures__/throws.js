class HalfDone {}
module.exports = {
  name: 'throwing-plugin',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.head.add(HalfDone);
    throw new Error('needs CUDA 12');
  },
};
