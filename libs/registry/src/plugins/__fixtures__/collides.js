class FPN {}
module.exports = { name: 'colliding-plugin', apiVersion: 1, register: (ctx) => ctx.registries.neck.add(FPN) };
