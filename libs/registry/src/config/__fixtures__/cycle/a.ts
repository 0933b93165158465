export default { _base_: './b.yaml', seed: 1 };
