import { awaitAllCallbacks } from 'langchain-core-1-0/callbacks/promises'
import { Document } from 'langchain-core-1-0/documents'
import { StringOutputParser } from 'langchain-core-1-0/output_parsers'
import { ChatPromptTemplate } from 'langchain-core-1-0/prompts'
import { RunnableLambda } from 'langchain-core-1-0/runnables'
import { tool } from 'langchain-core-1-0/tools'
import { FakeListChatModel, FakeRetriever } from 'langchain-core-1-0/utils/testing'
import { describeLangChain } from './langchain-scenarios'

// The low end of the peer range (@langchain/core 1.0.0).
describeLangChain({
  label: '@langchain/core 1.0',
  FakeListChatModel,
  FakeRetriever,
  Document,
  ChatPromptTemplate,
  StringOutputParser,
  RunnableLambda,
  tool,
  awaitAllCallbacks,
})
