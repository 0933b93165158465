module.exports = { ...require('../../jest.preset.cjs'), displayName: '@det-contrib/early-stopping' };
