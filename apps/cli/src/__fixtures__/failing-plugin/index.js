// A plugin whose register() throws, for the bad-input specs.
module.exports = {
  name: 'failing-plugin',
  apiVersion: 1,
  register() {
    throw new Error('cannot find the CUDA toolkit (this plugin always fails)');
  },
};
