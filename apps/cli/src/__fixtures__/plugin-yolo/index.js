class YOLOv3Head {}
module.exports = {
  name: '@org/yolo-head',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.head.add(YOLOv3Head);
  },
};
