import { scenario } from './17-plays-multiset.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
