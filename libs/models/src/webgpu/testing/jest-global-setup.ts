import { probeWebGpuSync, useLocalLavapipeIfInstalled } from './adapter-probe-sync';

/** jest globalSetup: probe for a WebGPU adapter once, before workers start (they inherit env). */
export default function globalSetup(): void {
  useLocalLavapipeIfInstalled();
  probeWebGpuSync();
}
