/**
 * The benchmark's synthetic directory, shared by the seeding SQL (bench/seed.ts) and the request
 * generators (bench/scim.ts), so that a generated filter always names values that were seeded.
 *
 * User n (1-based): userName `user<n>@example.com`, given name GIVEN[n % 40], family name
 * FAMILY[(n / 40) % 50], title LEVELS[n % 6] + ' ' + ROLES[(n / 6) % 50] (300 titles, n % 300 picks
 * one, so each matches users/300 users), every 50th user inactive.
 */
export const GIVEN = [
  'Ada', 'Alan', 'Barbara', 'Brian', 'Carla', 'Chen', 'Dana', 'Diego', 'Elena', 'Emeka',
  'Fatima', 'Finn', 'Grace', 'Gustav', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jana', 'Jonas',
  'Kemal', 'Keiko', 'Lars', 'Leila', 'Maria', 'Mateo', 'Nadia', 'Noah', 'Olga', 'Omar',
  'Priya', 'Pablo', 'Quinn', 'Rosa', 'Ravi', 'Sofia', 'Sven', 'Tara', 'Uma', 'Yusuf',
]
export const FAMILY = [
  'Abbott', 'Baker', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hoffmann', 'Ibrahim', 'Jansen',
  'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quintana', 'Rossi', 'Schmidt', 'Tanaka',
  'Ueda', 'Varga', 'Walsh', 'Xu', 'Yilmaz', 'Zimmermann', 'Andersson', 'Bianchi', 'Costa', 'Dimitrov',
  'Evans', 'Ferreira', 'Gallagher', 'Horvat', 'Iyer', 'Jovanovic', 'Kim', 'Lopez', 'Murphy', 'Novak',
  'Olsen', 'Park', 'Quinlan', 'Ramos', 'Silva', 'Torres', 'Underwood', 'Vogel', 'Weber', 'Young',
]
export const LEVELS = ['Junior', 'Associate', 'Senior', 'Staff', 'Principal', 'Lead']
export const ROLES = [
  'Software Engineer', 'Data Analyst', 'Product Manager', 'Designer', 'Account Executive', 'Recruiter', 'Accountant',
  'Support Engineer', 'Site Reliability Engineer', 'Security Engineer', 'Data Scientist', 'Technical Writer',
  'Marketing Manager', 'Sales Engineer', 'Solutions Architect', 'Business Analyst', 'Project Manager', 'QA Engineer',
  'Network Engineer', 'Database Administrator', 'Legal Counsel', 'Paralegal', 'Financial Analyst', 'Controller',
  'Office Manager', 'Facilities Coordinator', 'HR Partner', 'Payroll Specialist', 'Customer Success Manager',
  'Community Manager', 'Content Strategist', 'UX Researcher', 'Mobile Engineer', 'Frontend Engineer',
  'Backend Engineer', 'Platform Engineer', 'Release Manager', 'Scrum Master', 'IT Administrator', 'Help Desk Analyst',
  'Procurement Specialist', 'Operations Analyst', 'Supply Planner', 'Buyer', 'Field Technician', 'Trainer',
  'Compliance Officer', 'Risk Analyst', 'Auditor', 'Economist',
]

export const TITLE_COUNT = LEVELS.length * ROLES.length

export const userName = (n: number): string => `user${n}@example.com`
/** The seeded externalId of user n (bench/seed.ts builds the same with lpad). */
export const externalIdOf = (n: number): string => `ext-${String(n).padStart(7, '0')}`
export const titleOf = (n: number): string => `${LEVELS[n % LEVELS.length]} ${ROLES[Math.floor(n / LEVELS.length) % ROLES.length]}`

export const BIG_GROUP = 'All Employees'
export const SMALL_GROUP = 'Benchmark Small Team'
export const SMALL_GROUP_SIZE = 10
