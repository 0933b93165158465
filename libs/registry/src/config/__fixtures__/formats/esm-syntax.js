// An ES-module style .js config.
const lr = 0.005;
export default { optimizer: { type: 'SGD', lr } };
