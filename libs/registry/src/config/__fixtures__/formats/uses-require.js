// A .js config may use require and require.resolve relative to itself.
const path = require('node:path');
const base = require('./plain.json');
module.exports = { seed: base.seed + 1, workDir: path.basename(require.resolve('./plain.json')) };
