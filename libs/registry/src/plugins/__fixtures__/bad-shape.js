module.exports = { name: 'bad-shape', register: 'not a function' };
