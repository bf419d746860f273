import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { LoopDetectedError } from '../runtime/runtime-errors'
import { createLoopDetector, type DetectedLoop } from './loop-detector'

describe('loop detection', () => {
  it('raises once a tool is called more than maxCalls times within the window, per agent, session and tool', () => {
    let now = 0
    const loops: DetectedLoop[] = []
    const detector = createLoopDetector({
      maxCalls: 3,
      windowMs: 1000,
      now: () => now,
      onLoop: (loop) => loops.push(loop),
    })
    const call = { agentName: 'researcher', toolName: 'search', sessionId: 's1' }
    for (let index = 0; index < 3; index++) detector.record(call)
    // Another session and another tool have their own counts.
    detector.record({ ...call, sessionId: 's2' })
    detector.record({ ...call, toolName: 'fetch' })
    let error: unknown
    try {
      detector.record(call)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(LoopDetectedError)
    expect(MimaError.isInstance(error) && error.code).toBe('loop_detected')
    expect(loops).toEqual([{ ...call, calls: 4, windowMs: 1000, action: 'raise' }])
    // Refused calls are not counted, and a loop is reported once while it lasts.
    expect(() => detector.record(call)).toThrow(LoopDetectedError)
    expect(loops).toHaveLength(1)
    expect(detector.count(call)).toBe(3)
    // The window slides: a second later the calls have aged out.
    now = 1000
    expect(detector.count(call)).toBe(0)
    detector.record(call)
  })

  it('only reports with action log', () => {
    const loops: DetectedLoop[] = []
    const detector = createLoopDetector({
      maxCalls: 1,
      windowMs: 60_000,
      action: 'log',
      now: () => 5,
      onLoop: (loop) => loops.push(loop),
    })
    const call = { agentName: 'a', toolName: 't' }
    detector.record(call)
    detector.record(call)
    detector.record(call)
    expect(loops).toHaveLength(1)
    expect(loops[0]).toMatchObject({ calls: 2, action: 'log' })
    expect(detector.count(call)).toBe(3)
  })
})
