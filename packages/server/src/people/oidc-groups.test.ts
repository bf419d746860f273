import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { groupsOf, parseGroupRoles, roleForGroups } from './oidc-groups'

describe('OIDC group roles', () => {
  it('parses group=role pairs separated by commas or new lines', () => {
    expect(parseGroupRoles('mima-admins=admin, Audit Team = compliance\napprovers=approver,')).toEqual({
      'mima-admins': 'admin',
      'Audit Team': 'compliance',
      approvers: 'approver',
    })
    // The last `=` separates the role, so a distinguished name can be a group.
    expect(parseGroupRoles('cn=ops;ou=groups=viewer')).toEqual({ 'cn=ops;ou=groups': 'viewer' })
  })

  it('refuses an entry without a group or with an unknown role, naming it', () => {
    for (const text of ['admins', '=admin', 'admins=owner', 'admins=ingest']) {
      let caught: unknown
      try {
        parseGroupRoles(text)
      } catch (error) {
        caught = error
      }
      expect(MimaError.isInstance(caught), text).toBe(true)
      expect((caught as MimaError).code).toBe('config_invalid')
      expect((caught as Error).message).toContain(text)
    }
  })

  it('gives the strongest mapped role, and none for unmapped or inherited names', () => {
    const mapping = parseGroupRoles('a=viewer,b=compliance,c=approver,d=admin')
    expect(roleForGroups(['a', 'c'], mapping)).toBe('approver')
    expect(roleForGroups(['c', 'b', 'a'], mapping)).toBe('compliance')
    expect(roleForGroups(['a', 'd', 'b'], mapping)).toBe('admin')
    expect(roleForGroups(['x', 'constructor', '__proto__', 'toString'], mapping)).toBeUndefined()
    expect(roleForGroups([], mapping)).toBeUndefined()
  })

  it('reads a claim that is a list or one string, and nothing else', () => {
    expect(groupsOf(['a', 1, 'b', null])).toEqual(['a', 'b'])
    expect(groupsOf('ops')).toEqual(['ops'])
    expect(groupsOf(undefined)).toBeUndefined()
    expect(groupsOf({ a: 1 })).toBeUndefined()
  })
})
