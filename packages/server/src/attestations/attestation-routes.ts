import { defineFeature, type ServerFeature } from '../http/feature'

/** (in progress) */
export const attestationsFeature: ServerFeature = defineFeature({
  name: 'attestations',
  register() {},
})
