export default { _base_: ['./bad-batch-base.yml'], seed: 3 };
