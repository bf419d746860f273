import { detect } from './src/detectors/detect'
const texts = [
  'mail ada@example.com, card 4111 1111 1111 1111 and 4111111111111112 bad',
  'SSN 123-45-6789, ITIN 912-70-1234, call +44 20 7946 0958 or (415) 555-2671, ip 192.168.1.1 v1.2.3.4 version 10.0.0.1',
  'IBAN DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432 bad DE89370400440532013001',
  'key sk-proj-abc123DEF456ghi789JKL012mno345 task-abcdefghijklmnopqrstuvwxyz1234 AKIAIOSFODNN7EXAMPLE ghp_1234567890abcdefghijklmnopqrstuvwxyzAB',
  'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'born on 12/03/1990, visit https://example.com/a?b=c. mac 00:1A:2B:3C:4D:5E ipv6 2001:db8::8a2e:370:7334 and ::1 fe80::1%eth0',
  'btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa eth 0x52908400098527886E0F7030069857D2E4169EE7 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- xoxb-1234567890-abcdefghij AIzaSyA1234567890abcdefghijklmnopqrstuv',
  'DOB: March 3, 1985; date of birth 1985-03-03',
]
for (const t of texts) console.log(detect(t).map((f) => `${f.kind}:${t.slice(f.start, f.end)}:${f.confidence}`))
