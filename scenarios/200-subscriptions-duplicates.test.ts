import { scenario } from './200-subscriptions-duplicates.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
