import undici7 from 'undici-7'
import { describeUndiciGuard, type UndiciModule } from '../../test/undici-suite'

// undici 7 (Node ≥ 20.18); undici 8 needs Node ≥ 22.19 and runs in undici.node22.test.ts.
describeUndiciGuard('7', 'undici-7', undici7 as unknown as UndiciModule)
