class TinyBackbone {}
module.exports = { default: { name: 'single-file-plugin', apiVersion: 1, register: (ctx) => ctx.registries.backbone.add(TinyBackbone) } };
