import type { AttestationPayload } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import type { Transport } from '../transport/transport'
import { asMimaError, isConflict, isRejection, type ReportWhere } from './client-support'

/** The transport's calls that deliver records (the client's own, or its quick one at exit). */
export type DeliveryTransport = Omit<Transport, 'quick'>

/** How many of the records were stored, and why the others were refused. */
export interface DeliveredAttestations {
  sent: number
  rejected: string[]
}

/** Sends attestations and reports the ones the server refused. */
export interface AttestationDelivery {
  /** Sends through the batch endpoint (or one by one where there is none). Throws when nothing could be delivered. */
  deliver(
    workspaceId: string,
    records: readonly AttestationPayload[],
    http?: DeliveryTransport,
  ): Promise<DeliveredAttestations>
  reportRejections(rejected: readonly string[], where: ReportWhere): void
}

/** Attestation delivery over `transport`; remembers a server without the batch endpoint. */
export function createAttestationDelivery(
  transport: DeliveryTransport,
  report: (error: MimaError, where: ReportWhere) => void,
): AttestationDelivery {
  let batchUnsupported = false

  async function deliver(
    ws: string,
    records: readonly AttestationPayload[],
    http: DeliveryTransport = transport,
  ): Promise<DeliveredAttestations> {
    if (records.length === 0) return { sent: 0, rejected: [] }
    if (!batchUnsupported) {
      try {
        const response = await http.postBatch(ws, records)
        const rejected: string[] = []
        for (const result of response.results ?? []) {
          if (result.status === 'rejected' || result.status === 'error')
            rejected.push(result.reason ?? 'rejected')
        }
        const count = Math.max(rejected.length, typeof response.rejected === 'number' ? response.rejected : 0)
        while (rejected.length < count) rejected.push('rejected')
        return { sent: records.length - count, rejected }
      } catch (error) {
        const failure = asMimaError(error, 'Batch push')
        if (failure.status === 404) batchUnsupported = true
        else if (!isRejection(failure)) throw failure
        // 400/413/422 for the whole batch: send one by one so one bad record cannot block the rest.
      }
    }
    let sent = 0
    const rejected: string[] = []
    for (const record of records) {
      try {
        await http.postAttestation(ws, record)
        sent++
      } catch (error) {
        const failure = asMimaError(error, 'Attestation push')
        if (isConflict(failure))
          sent++ // already stored under this idempotency key
        else if (isRejection(failure)) rejected.push(failure.message)
        else {
          if (failure.status === 404 && sent === 0) batchUnsupported = false // the workspace is missing, not the batch route
          throw failure
        }
      }
    }
    return { sent, rejected }
  }

  function reportRejections(rejected: readonly string[], where: ReportWhere): void {
    if (rejected.length === 0) return
    report(
      new MimaError(
        'validation_failed',
        `Batch: ${rejected.length} record(s) rejected by the server: ${rejected[0]}${rejected.length > 1 ? '…' : ''}`,
        { details: { reasons: rejected.slice(0, 20) } },
      ),
      where,
    )
  }

  return { deliver, reportRejections }
}
