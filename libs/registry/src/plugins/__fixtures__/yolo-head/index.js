// A local plugin folder: CommonJS, module.exports form.
class YOLOv3Head {
  constructor(options) {
    this.options = options;
  }
}
class YOLOLoss {}

module.exports = {
  name: '@org/yolo-head',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.head.add(YOLOv3Head);
    ctx.registries.loss.add(YOLOLoss);
    globalThis.__detFixtureRegisterCalls = (globalThis.__detFixtureRegisterCalls ?? 0) + 1;
  },
};
