import OpenAI from 'openai'
import { describeWrapOpenAI } from '../test/wrap-openai-suite'

describeWrapOpenAI('6', OpenAI)
