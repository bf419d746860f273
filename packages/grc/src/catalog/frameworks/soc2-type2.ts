import { type Control, defineControl, type FrameworkCatalog } from '../control'

const REQUIRED: ReadonlySet<string> = new Set([
  'CC1.1',
  'CC2.2',
  'CC3.2',
  'CC4.1',
  'CC4.2',
  'CC5.3',
  'CC6.1',
  'CC6.2',
  'CC6.3',
  'CC7.2',
  'CC7.3',
  'CC7.4',
  'CC8.1',
  'CC9.2',
])

const OUT_OF_SCOPE_NOTE = 'Needs evidence outside Mima’s records; not counted in readiness.'

const criterion = (ref: string, title: string, description: string): Control =>
  defineControl(
    'soc2_type2',
    ref,
    ref,
    title,
    description,
    REQUIRED.has(ref) ? {} : { required: false, note: OUT_OF_SCOPE_NOTE },
  )

/**
 * SOC 2 Type II: the AICPA 2017 Trust Services Criteria (revised points of focus, 2022), common
 * criteria CC1–CC9. All 33 are listed; the 14 that Mima's evidence records show count towards readiness.
 */
export const SOC2_TYPE2: FrameworkCatalog = {
  framework: 'soc2_type2',
  label: 'SOC 2 Type II',
  edition: 'AICPA Trust Services Criteria (2017, revised points of focus 2022)',
  controls: [
    criterion(
      'CC1.1',
      'Integrity and ethical values',
      'The entity demonstrates a commitment to integrity and ethical values.',
    ),
    criterion(
      'CC1.2',
      'Board independence and oversight',
      'The board of directors demonstrates independence from management and exercises oversight of the development and performance of internal control.',
    ),
    criterion(
      'CC1.3',
      'Structures, reporting lines and authorities',
      'Management establishes, with board oversight, structures, reporting lines, and appropriate authorities and responsibilities in the pursuit of objectives.',
    ),
    criterion(
      'CC1.4',
      'Commitment to competence',
      'The entity demonstrates a commitment to attract, develop, and retain competent individuals in alignment with objectives.',
    ),
    criterion(
      'CC1.5',
      'Accountability',
      'The entity holds individuals accountable for their internal control responsibilities in the pursuit of objectives.',
    ),
    criterion(
      'CC2.1',
      'Quality information',
      'The entity obtains or generates and uses relevant, quality information to support the functioning of internal control.',
    ),
    criterion(
      'CC2.2',
      'Internal communication',
      'The entity internally communicates information, including objectives and responsibilities for internal control, necessary to support the functioning of internal control.',
    ),
    criterion(
      'CC2.3',
      'External communication',
      'The entity communicates with external parties regarding matters affecting the functioning of internal control.',
    ),
    criterion(
      'CC3.1',
      'Objectives specified',
      'The entity specifies objectives with sufficient clarity to enable the identification and assessment of risks relating to objectives.',
    ),
    criterion(
      'CC3.2',
      'Risk identification and analysis',
      'The entity identifies risks to the achievement of its objectives across the entity and analyzes risks as a basis for determining how the risks should be managed.',
    ),
    criterion(
      'CC3.3',
      'Fraud risk',
      'The entity considers the potential for fraud in assessing risks to the achievement of objectives.',
    ),
    criterion(
      'CC3.4',
      'Changes affecting internal control',
      'The entity identifies and assesses changes that could significantly impact the system of internal control.',
    ),
    criterion(
      'CC4.1',
      'Ongoing and separate evaluations',
      'The entity selects, develops, and performs ongoing and/or separate evaluations to ascertain whether the components of internal control are present and functioning.',
    ),
    criterion(
      'CC4.2',
      'Communication of deficiencies',
      'The entity evaluates and communicates internal control deficiencies in a timely manner to those parties responsible for taking corrective action, including senior management and the board of directors, as appropriate.',
    ),
    criterion(
      'CC5.1',
      'Control activities to mitigate risks',
      'The entity selects and develops control activities that contribute to the mitigation of risks to the achievement of objectives to acceptable levels.',
    ),
    criterion(
      'CC5.2',
      'General controls over technology',
      'The entity also selects and develops general control activities over technology to support the achievement of objectives.',
    ),
    criterion(
      'CC5.3',
      'Policies and procedures',
      'The entity deploys control activities through policies that establish what is expected and in procedures that put policies into action.',
    ),
    criterion(
      'CC6.1',
      'Logical access security',
      'The entity implements logical access security software, infrastructure, and architectures over protected information assets to protect them from security events to meet the entity’s objectives.',
    ),
    criterion(
      'CC6.2',
      'User registration and deprovisioning',
      'Prior to issuing system credentials and granting system access, the entity registers and authorizes new internal and external users; credentials are removed when user access is no longer authorized.',
    ),
    criterion(
      'CC6.3',
      'Role-based access and least privilege',
      'The entity authorizes, modifies, or removes access to data, software, functions, and other protected information assets based on roles, responsibilities, or the system design and changes, giving consideration to least privilege and segregation of duties.',
    ),
    criterion(
      'CC6.4',
      'Physical access',
      'The entity restricts physical access to facilities and protected information assets to authorized personnel to meet the entity’s objectives.',
    ),
    criterion(
      'CC6.5',
      'Disposal of assets',
      'The entity discontinues logical and physical protections over physical assets only after the ability to read or recover data and software from those assets has been diminished.',
    ),
    criterion(
      'CC6.6',
      'Threats from outside system boundaries',
      'The entity implements logical access security measures to protect against threats from sources outside its system boundaries.',
    ),
    criterion(
      'CC6.7',
      'Transmission of information',
      'The entity restricts the transmission, movement, and removal of information to authorized internal and external users and processes, and protects it during transmission, movement, or removal.',
    ),
    criterion(
      'CC6.8',
      'Malicious software',
      'The entity implements controls to prevent or detect and act upon the introduction of unauthorized or malicious software.',
    ),
    criterion(
      'CC7.1',
      'Detection of configuration changes and vulnerabilities',
      'The entity uses detection and monitoring procedures to identify changes to configurations that introduce new vulnerabilities, and susceptibilities to newly discovered vulnerabilities.',
    ),
    criterion(
      'CC7.2',
      'Monitoring for anomalies',
      'The entity monitors system components and the operation of those components for anomalies that are indicative of malicious acts, natural disasters, and errors affecting the entity’s ability to meet its objectives; anomalies are analyzed to determine whether they represent security events.',
    ),
    criterion(
      'CC7.3',
      'Evaluation of security events',
      'The entity evaluates security events to determine whether they could or have resulted in a failure of the entity to meet its objectives (security incidents) and, if so, takes actions to prevent or address such failures.',
    ),
    criterion(
      'CC7.4',
      'Incident response',
      'The entity responds to identified security incidents by executing a defined incident response program to understand, contain, remediate, and communicate security incidents, as appropriate.',
    ),
    criterion(
      'CC7.5',
      'Incident recovery',
      'The entity identifies, develops, and implements activities to recover from identified security incidents.',
    ),
    criterion(
      'CC8.1',
      'Change management',
      'The entity authorizes, designs, develops or acquires, configures, documents, tests, approves, and implements changes to infrastructure, data, software, and procedures to meet its objectives.',
    ),
    criterion(
      'CC9.1',
      'Business disruption risk mitigation',
      'The entity identifies, selects, and develops risk mitigation activities for risks arising from potential business disruptions.',
    ),
    criterion(
      'CC9.2',
      'Vendor and business partner risk',
      'The entity assesses and manages risks associated with vendors and business partners.',
    ),
  ],
}
