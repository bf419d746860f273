import { defineFeature, type ServerFeature } from '../http/feature'

/** (in progress) */
export const guardEventsFeature: ServerFeature = defineFeature({
  name: 'guardEvents',
  register() {},
})
