import { Registry, UnknownTypeError, RegistryCollisionError, withOwner, BACKBONES, REGISTRIES, registryToken, rootContainer } from '../index';

class Child {
  constructor(readonly opts: { size: number }) {}
}
class Parent {
  child: Child;
  constructor(readonly opts: { child: { type: string; size: number }; depth: number }, reg: Registry) {
    this.child = reg.build(opts.child, { keyPath: 'model.child' }) as Child;
  }
}

describe('Registry', () => {
  it('registers with the decorator and builds nested configs', () => {
    const reg = new Registry('thing');
    reg.register()(Child);
    reg.add(Parent);
    const built = reg.build({ type: 'Parent', depth: 3, child: { type: 'Child', size: 7 } }, { args: [reg] }) as Parent;
    expect(built).toBeInstanceOf(Parent);
    expect(built.opts.depth).toBe(3);
    expect(built.child.opts.size).toBe(7);
    expect(reg.list()).toEqual(['Child', 'Parent']);
  });

  it('names the registry, key path, registered names and the nearest one for an unknown type', () => {
    const reg = new Registry('backbone-test');
    reg.add(class ResNet {});
    reg.add(class MobileNetV2 {});
    let err: unknown;
    try {
      reg.build({ type: 'ResNt', depth: 50 }, { keyPath: 'model.backbone' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownTypeError);
    const msg = (err as Error).message;
    expect(msg).toContain("registry 'backbone-test'");
    expect(msg).toContain('model.backbone');
    expect(msg).toContain("Did you mean 'ResNet'?");
    expect(msg).toContain('registered: MobileNetV2, ResNet');
    expect(msg).toContain('plugins loaded:');
  });

  it('rejects duplicates unless forced', () => {
    const reg = new Registry('dup');
    class A {}
    reg.add(A, { owner: 'x' });
    expect(() => reg.add(A, { owner: 'x' })).toThrow(RegistryCollisionError);
    class A2 {}
    reg.add(A2, { name: 'A', owner: 'x', force: true });
    expect(reg.get('A')).toBe(A2);
  });

  it('forbids plugins shadowing core names and names both owners', () => {
    const reg = new Registry('coll');
    reg.add(class Head {}, { owner: '@det/models' });
    expect(() => withOwner('@org/yolo', () => reg.add(class Head {}))).toThrow(/@org\/yolo.*@det\/models/);
  });

  it('addresses plugin names by scope and reports ambiguity', () => {
    const reg = new Registry('scoped');
    class H1 {}
    class H2 {}
    withOwner('@a/p', () => reg.add(H1, { name: 'YOLOHead' }));
    expect(reg.get('YOLOHead')).toBe(H1);
    withOwner('@b/p', () => reg.add(H2, { name: 'YOLOHead' }));
    expect(reg.get('@a/p.YOLOHead')).toBe(H1);
    expect(reg.get('@b/p.YOLOHead')).toBe(H2);
    expect(() => reg.get('YOLOHead')).toThrow(/several plugins.*'@a\/p.YOLOHead'/);
  });

  it('records the source package of core registrations from the call site', () => {
    const reg = new Registry('owned');
    const entry = reg.add(class X {});
    expect(entry.owner).toBe('@det/registry');
  });

  it('wraps constructor failures with the type and key path', () => {
    const reg = new Registry('failing');
    reg.add(class Bad { constructor() { throw new Error('depth must be 18, 34 or 50'); } });
    expect(() => reg.build({ type: 'Bad' }, { keyPath: 'model.backbone' })).toThrow(
      "registry 'failing': building 'Bad' at model.backbone failed: depth must be 18, 34 or 50",
    );
  });

  it('exposes every root registry through DI', () => {
    expect(rootContainer.resolve(registryToken('backbone'))).toBe(BACKBONES);
    expect(Object.keys(REGISTRIES)).toContain('hook');
  });
});
