export { VERSION } from './version'
