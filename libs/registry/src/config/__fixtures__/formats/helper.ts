export const normCfg = { type: 'BN', requiresGrad: true } as const;
