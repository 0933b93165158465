module.exports = { name: 'future-plugin', apiVersion: 2, register() {} };
