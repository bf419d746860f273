import { type Control, defineControl, type FrameworkCatalog } from '../control'

const subcategory = (
  fn: 'GOVERN' | 'MAP' | 'MEASURE' | 'MANAGE',
  number: string,
  title: string,
  description: string,
  options?: { required?: boolean; aliases?: readonly string[]; note?: string },
): Control => defineControl('nist_airf', `${fn} ${number}`, `${fn}-${number}`, title, description, options)

const NOT_EVIDENCED = {
  required: false,
  note: 'No Mima record evidences this subcategory; not counted in readiness.',
}

/**
 * NIST AI Risk Management Framework 1.0 (NIST AI 100-1): the subcategories of GOVERN, MAP, MEASURE
 * and MANAGE that Mima's evidence records can show. Id: `nist_airf:<FUNCTION>-<n.n>`.
 */
export const NIST_AIRF: FrameworkCatalog = {
  framework: 'nist_airf',
  label: 'NIST AI RMF',
  edition: 'NIST AI 100-1 (AI RMF 1.0, January 2023)',
  controls: [
    subcategory(
      'GOVERN',
      '1.1',
      'Legal and regulatory requirements',
      'Legal and regulatory requirements involving AI are understood, managed, and documented.',
      { aliases: ['NIST_AIRF_GOV_1'] },
    ),
    subcategory(
      'GOVERN',
      '1.4',
      'Transparent risk management policies',
      'The risk management process and its outcomes are established through transparent policies, procedures, and other controls based on organizational risk priorities.',
    ),
    subcategory(
      'GOVERN',
      '1.5',
      'Monitoring and periodic review',
      'Ongoing monitoring and periodic review of the risk management process and its outcomes are planned and organizational roles and responsibilities clearly defined, including determining the frequency of periodic review.',
    ),
    subcategory(
      'GOVERN',
      '1.6',
      'AI system inventory',
      'Mechanisms are in place to inventory AI systems and are resourced according to organizational risk priorities.',
    ),
    subcategory(
      'GOVERN',
      '2.1',
      'Roles and responsibilities',
      'Roles and responsibilities and lines of communication related to mapping, measuring, and managing AI risks are documented and are clear to individuals and teams throughout the organization.',
    ),
    subcategory(
      'GOVERN',
      '3.2',
      'Human-AI configurations and oversight',
      'Policies and procedures are in place to define and differentiate roles and responsibilities for human-AI configurations and oversight of AI systems.',
    ),
    subcategory(
      'GOVERN',
      '5.1',
      'External feedback',
      'Organizational policies and practices are in place to collect, consider, prioritize, and integrate feedback from those external to the team that developed or deployed the AI system regarding the potential individual and societal impacts related to AI risks.',
      NOT_EVIDENCED,
    ),
    subcategory(
      'GOVERN',
      '6.1',
      'Third-party risk policies',
      'Policies and procedures are in place that address AI risks associated with third-party entities, including risks of infringement of a third-party’s intellectual property or other rights.',
    ),
    subcategory(
      'MAP',
      '1.1',
      'Intended purpose and context',
      'Intended purposes, potentially beneficial uses, context-specific laws, norms and expectations, and prospective settings in which the AI system will be deployed are understood and documented.',
    ),
    subcategory(
      'MAP',
      '2.1',
      'Tasks and methods defined',
      'The specific tasks and methods used to implement the tasks that the AI system will support are defined (e.g., classifiers, generative models, recommenders).',
      NOT_EVIDENCED,
    ),
    subcategory(
      'MAP',
      '2.3',
      'Scientific integrity and TEVV considerations',
      'Scientific integrity and TEVV considerations are identified and documented, including those related to experimental design, data collection and selection (e.g., availability, representativeness, suitability), system trustworthiness, and construct validation.',
    ),
    subcategory(
      'MAP',
      '3.5',
      'Human oversight processes',
      'Processes for human oversight are defined, assessed, and documented in accordance with organizational policies from the GOVERN function.',
    ),
    subcategory(
      'MAP',
      '5.1',
      'Likelihood and magnitude of impacts',
      'Likelihood and magnitude of each identified impact (both potentially beneficial and harmful) based on expected use, past uses of AI systems in similar contexts, public incident reports, feedback from those external to the team that developed or deployed the AI system, or other data are identified and documented.',
    ),
    subcategory(
      'MEASURE',
      '1.1',
      'Measurement approaches and metrics',
      'Approaches and metrics for measurement of AI risks enumerated during the MAP function are selected for implementation starting with the most significant AI risks.',
      { ...NOT_EVIDENCED, aliases: ['NIST_AIRF_MEA_1'] },
    ),
    subcategory(
      'MEASURE',
      '2.3',
      'Performance measured',
      'AI system performance or assurance criteria are measured qualitatively or quantitatively and demonstrated for conditions similar to deployment setting(s). Measures are documented.',
    ),
    subcategory(
      'MEASURE',
      '2.4',
      'Production monitoring',
      'The functionality and behavior of the AI system and its components – as identified in the MAP function – are monitored when in production.',
    ),
    subcategory(
      'MEASURE',
      '2.5',
      'Validity and reliability',
      'The AI system to be deployed is demonstrated to be valid and reliable. Limitations of the generalizability beyond the conditions under which the technology was developed are documented.',
    ),
    subcategory(
      'MEASURE',
      '2.6',
      'Safety and robustness',
      'The AI system is evaluated regularly for safety risks. The AI system to be deployed is demonstrated to be safe, its residual negative risk does not exceed the risk tolerance, and it can fail safely; safety metrics reflect system reliability and robustness.',
    ),
    subcategory(
      'MEASURE',
      '2.11',
      'Fairness and bias',
      'Fairness and bias – as identified in the MAP function – are evaluated and results are documented.',
    ),
    subcategory(
      'MANAGE',
      '3.1',
      'Third-party risks monitored',
      'AI risks and benefits from third-party resources are regularly monitored, and risk controls are applied and documented.',
    ),
    subcategory(
      'MANAGE',
      '4.1',
      'Post-deployment monitoring',
      'Post-deployment AI system monitoring plans are implemented, including mechanisms for capturing and evaluating input from users and other relevant AI actors, appeal and override, decommissioning, incident response, recovery, and change management.',
    ),
    subcategory(
      'MANAGE',
      '4.3',
      'Incidents communicated and tracked',
      'Incidents and errors are communicated to relevant AI actors, including affected communities. Processes for tracking, responding to, and recovering from incidents and errors are followed and documented.',
    ),
  ],
}
