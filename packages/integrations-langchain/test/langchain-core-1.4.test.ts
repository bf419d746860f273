import { awaitAllCallbacks } from '@langchain/core/callbacks/promises'
import { Document } from '@langchain/core/documents'
import { StringOutputParser } from '@langchain/core/output_parsers'
import { ChatPromptTemplate } from '@langchain/core/prompts'
import { RunnableLambda } from '@langchain/core/runnables'
import { tool } from '@langchain/core/tools'
import { FakeListChatModel, FakeRetriever } from '@langchain/core/utils/testing'
import { describeLangChain } from './langchain-scenarios'

// The high end of the peer range (@langchain/core 1.4).
describeLangChain({
  label: '@langchain/core 1.4',
  FakeListChatModel,
  FakeRetriever,
  Document,
  ChatPromptTemplate,
  StringOutputParser,
  RunnableLambda,
  tool,
  awaitAllCallbacks,
})
