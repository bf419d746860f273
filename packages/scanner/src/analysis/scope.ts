/** A lexical scope: names → slots. Slot values live in the analyser so they survive between passes. */
export class Scope {
  readonly names: Map<string, number> = new Map()
  readonly parent: Scope | undefined
  /** The function whose body this scope belongs to (for `return`), or -1 at module level. */
  readonly functionId: number
  /** The class whose methods `this` refers to, or -1. */
  readonly classId: number

  constructor(parent: Scope | undefined, functionId: number, classId: number) {
    this.parent = parent
    this.functionId = functionId
    this.classId = classId
  }

  /** The slot a name refers to here or in an enclosing scope. */
  lookup(name: string): number | undefined {
    let scope: Scope | undefined = this
    while (scope) {
      const slot = scope.names.get(name)
      if (slot !== undefined) return slot
      scope = scope.parent
    }
    return undefined
  }

  /** A child scope for a block, keeping the function and class. */
  block(): Scope {
    return new Scope(this, this.functionId, this.classId)
  }
}
