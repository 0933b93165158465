// Deliberately no import of tfjs's gradients (register_all_gradients): setupWebGpu may be the
// first thing a program calls, and its f16 self-check differentiates a small conv net.
import { describeIfMatrixUnits, matrixUnitSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';

describeIfMatrixUnits(matrixUnitSuite('setupWebGpu({ convPrecision: "f16" }) called before anything registered gradients'), () => {
  it('turns f16 on (its self-check registers the gradients it needs)', async () => {
    const setup = await setupWebGpu({ convPrecision: 'f16' });
    expect({ convPrecision: setup.convPrecision, fallback: setup.convPrecisionFallback }).toEqual({ convPrecision: 'f16', fallback: undefined });
  }, 180_000);
});
