// An ES-module plugin: loaded with import() where require() cannot load it.
class EsmNeck {}
export default { name: 'esm-plugin', apiVersion: 1, register: (ctx) => ctx.registries.neck.add(EsmNeck) };
