export { linearSumAssignment } from './assignment/linear-sum-assignment.js';
