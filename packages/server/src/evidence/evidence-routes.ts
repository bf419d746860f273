import { defineFeature, type ServerFeature } from '../http/feature'

/** (in progress) */
export const evidenceFeature: ServerFeature = defineFeature({
  name: 'evidence',
  register() {},
})
