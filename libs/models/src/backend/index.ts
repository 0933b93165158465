export { selectBackend, BACKEND_NAMES, type BackendName, type SelectBackendOptions } from './select-backend';
export { backendInfo, type BackendInfo } from './backend-info';
export { ensureGradients } from './gradients';
export { setDeterministic } from './deterministic';
export { registerReduceGradients, DET_REDUCE_GRADIENTS } from './reduce-gradients';
export { DetTensorBackendService } from './tensor-backend-service';
export { type ModuleLoader, nodeModuleLoader } from './module-loader';
