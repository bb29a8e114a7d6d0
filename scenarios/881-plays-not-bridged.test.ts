import { scenario } from './881-plays-not-bridged.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(scenario);
