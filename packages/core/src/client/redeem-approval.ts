import { MimaError } from '../errors/mima-error'
import { uuidv7 } from '../ids/uuidv7'
import type { RedemptionResponse, Transport } from '../transport/transport'
import { asMimaError } from './client-support'
import type { Clock } from './types'

/** What redeeming needs from the client. */
export interface ApprovalRedemptionClient {
  readonly transport: Pick<Transport, 'redeemApproval'>
  readonly workspaceId: () => Promise<string>
  readonly clock: Clock
}

/**
 * Redeems an approval token at the server before the action it approves runs. Resolves only when
 * the server consumed it for `toolName`; otherwise throws `approval_token_invalid` (refused:
 * reused, forged, expired, another tool's or workspace's) or, when the server cannot be asked
 * (unreachable, 5xx, 429), the retryable transport error. Never reported through `onError`:
 * this is enforcement, not recording.
 */
export async function redeemApproval(
  client: ApprovalRedemptionClient,
  token: string,
  toolName: string,
  contextHash: string | undefined,
): Promise<{ approvalId: string }> {
  // One id per redemption: the transport's retries of it are answered again, not refused.
  const redemptionId = uuidv7(client.clock.now())
  const refused = (message: string, cause?: MimaError): MimaError =>
    new MimaError(
      'approval_token_invalid',
      `attest(${toolName}): the approval token was not redeemed, so the action did not run — ${message}`,
      {
        ...(cause === undefined ? {} : { cause }),
        ...(cause?.status === undefined ? {} : { status: cause.status }),
        ...(cause?.requestId === undefined ? {} : { requestId: cause.requestId }),
        ...(cause === undefined || cause.code === 'approval_token_invalid'
          ? {}
          : { details: { cause_code: cause.code } }),
      },
    )
  let answer: RedemptionResponse
  try {
    const ws = await client.workspaceId()
    answer = await client.transport.redeemApproval(ws, {
      token,
      tool_name: toolName,
      redemption_id: redemptionId,
      ...(contextHash ? { context_hash: contextHash } : {}),
    })
  } catch (error) {
    const failure = asMimaError(error, 'Approval redemption')
    if (failure.retryable) {
      throw new MimaError(
        failure.code,
        `attest(${toolName}): the approval could not be redeemed, so the action did not run (fail closed); retry later — ${failure.message}`,
        {
          cause: failure,
          retryable: true,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
        },
      )
    }
    throw refused(failure.message, failure)
  }
  // Fail closed on an answer that does not redeem this token for this tool and context.
  if (answer.status !== 'redeemed' || typeof answer.approval_id !== 'string' || answer.approval_id === '') {
    throw refused('the server did not confirm the redemption.')
  }
  if (answer.action_type !== toolName || (contextHash && answer.context_hash !== contextHash)) {
    throw refused(`the server redeemed it for action '${String(answer.action_type)}', not this one.`)
  }
  return { approvalId: answer.approval_id }
}
