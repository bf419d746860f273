import undici8 from 'undici-8'
import { describeUndiciGuard, type UndiciModule } from '../../test/undici-suite'

// undici 8, the current major, needs Node ≥ 22.19: run on the pinned Node 22 and 24.
describeUndiciGuard('8', 'undici-8', undici8 as unknown as UndiciModule)
