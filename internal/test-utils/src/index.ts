export { testDatabaseUrl } from './database'
