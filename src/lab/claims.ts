/**
 * Claims as data: the laws and predictions of the paper's five strands that the lab tests, each
 * with its paper section, sources (titles and arXiv ids), the regime in which it is claimed (the
 * conditions the experiments check before a verdict counts), and the experiments that test it:
 * an experiment by name, a configuration (`quick` or a variant label, exactly as the experiment
 * declares it), and matchers picking the checks of that run which bear on the claim.
 *
 *   role 'test'      an in-regime configuration: its verdict decides the claim's status
 *   role 'boundary'  a configuration outside the regime (the experiment expects out-of-regime):
 *                    where the claim is known to stop holding
 *   role 'control'   a deliberately wrong theory or a broken symmetry (expected falsified): the
 *                    checks can fail, so their confirmations mean something
 *
 * A matcher is a check-name prefix (a string) or a RegExp over the check name. Statuses are not
 * stored here: src/lab/atlas.ts derives them from ExperimentRecords.
 *
 * Sources: the paper is Simon, Kunin et al. 2026, "There will be a scientific theory of deep
 * learning" (arXiv 2604.21691); sections and citations follow /shared/docs/paper-digest.md. Where
 * that digest marks a formula "(reconstructed)" the claim says so in `reconstructed`, with how the
 * experiment checks it independently. arXiv ids of cited works are given where known.
 */

export type StrandId = 'solvable' | 'limits' | 'laws' | 'hyperparameters' | 'universality';

export interface Strand {
  id: StrandId;
  /** Paper section. */
  section: string;
  title: string;
  /** A few words, for the map. */
  short: string;
  /** Table 1's examples in deep learning and in physics. */
  examples: string;
  physics: string;
}

/** The paper's five lines of evidence (§2.1–2.5, Table 1). */
export const STRANDS: Strand[] = [
  { id: 'solvable', short: 'Solvable settings', section: '§2.1', title: 'Analytically solvable settings', examples: 'deep linear networks, kernel regression, multi-index models', physics: 'harmonic oscillator, hydrogen atom, Ising model' },
  { id: 'limits', short: 'Limits', section: '§2.2', title: 'Insightful limits', examples: 'lazy vs. rich learning; width, depth → ∞; small initialization', physics: 'thermodynamic, classical and hydrodynamic limits' },
  { id: 'laws', short: 'Empirical laws', section: '§2.3', title: 'Simple empirical laws of macroscopic statistics', examples: 'neural scaling laws; edge of stability; neural feature ansatz', physics: 'the laws of Kepler, Snell, Boyle, Hooke, Ohm, Planck …' },
  { id: 'hyperparameters', short: 'Hyperparameters', section: '§2.4', title: 'Theories of hyperparameters', examples: 'step size as sharpness regularization; μP and width scaling', physics: 'scaling analysis; nondimensionalization; chaotic vs. ordered regimes' },
  { id: 'universality', short: 'Universality', section: '§2.5', title: 'Universal phenomena', examples: 'common inductive biases and representations across models', physics: 'critical phenomena; renormalization group flow' },
];

export interface Source {
  /** Short citation, e.g. "Saxe, McClelland & Ganguli 2014". */
  cite: string;
  title: string;
  arxiv?: string;
}

export type CheckMatcher = string | RegExp;

export interface ClaimTest {
  experiment: string;
  /** 'quick' or the label of one of the experiment's variants. */
  config: string;
  role: 'test' | 'boundary' | 'control';
  /** Checks of that run that bear on the claim: each matcher must match at least one. */
  checks: CheckMatcher[];
  /** What this configuration probes (for a boundary: why the claim stops there). */
  note?: string;
}

export interface Claim {
  id: string;
  strand: StrandId;
  /** Paper section (and figure) where the claim is made. */
  section: string;
  /** One sentence; `$…$` is TeX. */
  statement: string;
  /** The law as one display equation (TeX), where there is one. */
  equation?: string;
  sources: Source[];
  /** The regime in which it is claimed, as the conditions the experiments check. */
  regime: string[];
  tests: ClaimTest[];
  /** Where the formula is marked "(reconstructed)" in the digest, and how it is checked here. */
  reconstructed?: string;
}

// ─────────────────────────────── sources ───────────────────────────────

const PAPER: Source = { cite: 'Simon, Kunin et al. 2026', title: 'There will be a scientific theory of deep learning', arxiv: '2604.21691' };
const S = {
  saxe: { cite: 'Saxe, McClelland & Ganguli 2014', title: 'Exact solutions to the nonlinear dynamics of learning in deep linear neural networks', arxiv: '1312.6120' },
  arora18: { cite: 'Arora, Cohen & Hazan 2018', title: 'On the optimization of deep networks: implicit acceleration by overparameterization', arxiv: '1802.06509' },
  du18: { cite: 'Du, Hu & Lee 2018', title: 'Algorithmic regularization in learning deep homogeneous models: layers are automatically balanced', arxiv: '1806.00900' },
  jacot: { cite: 'Jacot, Gabriel & Hongler 2018', title: 'Neural tangent kernel: convergence and generalization in neural networks', arxiv: '1806.07572' },
  lee19: { cite: 'Lee et al. 2019', title: 'Wide neural networks of any depth evolve as linear models under gradient descent', arxiv: '1902.06720' },
  arora19: { cite: 'Arora et al. 2019', title: 'On exact computation with an infinitely wide neural net', arxiv: '1904.11955' },
  eigenlearning: { cite: 'Simon et al. 2023', title: 'The eigenlearning framework: a conservation law perspective on kernel ridge regression and wide neural networks', arxiv: '2110.03922' },
  canatar: { cite: 'Canatar, Bordelon & Pehlevan 2021', title: 'Spectral bias and task-model alignment explain generalization in kernel regression and infinitely wide neural networks', arxiv: '2006.13198' },
  rahaman: { cite: 'Rahaman et al. 2019', title: 'On the spectral bias of neural networks', arxiv: '1806.08734' },
  chizat: { cite: 'Chizat, Oyallon & Bach 2019', title: 'On lazy training in differentiable programming', arxiv: '1812.07956' },
  woodworth: { cite: 'Woodworth et al. 2020', title: 'Kernel and rich regimes in overparametrized models', arxiv: '2002.09277' },
  cohen21: { cite: 'Cohen et al. 2021', title: 'Gradient descent on neural networks typically occurs at the edge of stability', arxiv: '2103.00065' },
  damian22: { cite: 'Damian, Nichani & Lee 2022', title: 'Self-stabilization: the implicit bias of gradient descent at the edge of stability', arxiv: '2209.15594' },
  catapult: { cite: 'Lewkowycz et al. 2020', title: 'The large learning rate phase of deep learning: the catapult mechanism', arxiv: '2003.02218' },
  centralFlows: { cite: 'Cohen et al. 2024', title: 'Understanding optimization in deep learning with central flows', arxiv: '2410.24206' },
  adaptiveEos: { cite: 'Cohen et al. 2022', title: 'Adaptive gradient methods at the edge of stability', arxiv: '2207.14484' },
  barrett: { cite: 'Barrett & Dherin 2021', title: 'Implicit gradient regularization', arxiv: '2009.11162' },
  kaplan: { cite: 'Kaplan et al. 2020', title: 'Scaling laws for neural language models', arxiv: '2001.08361' },
  hestness: { cite: 'Hestness et al. 2017', title: 'Deep learning scaling is predictable, empirically', arxiv: '1712.00409' },
  chinchilla: { cite: 'Hoffmann et al. 2022', title: 'Training compute-optimal large language models', arxiv: '2203.15556' },
  quanta: { cite: 'Michaud et al. 2023', title: 'The quantization model of neural scaling', arxiv: '2303.13506' },
  papyan: { cite: 'Papyan, Han & Donoho 2020', title: 'Prevalence of neural collapse during the terminal phase of deep learning training', arxiv: '2008.08186' },
  zhu21: { cite: 'Zhu et al. 2021', title: 'A geometric analysis of neural collapse with unconstrained features', arxiv: '2105.02375' },
  nfa: { cite: 'Radhakrishnan et al. 2024', title: 'Mechanism for feature learning in neural networks and backpropagation-free machine learning models', arxiv: '2212.13881' },
  kunin21: { cite: 'Kunin et al. 2021', title: 'Neural mechanics: symmetry and broken conservation laws in deep learning dynamics', arxiv: '2012.04728' },
  tanaka21: { cite: 'Tanaka & Kunin 2021', title: "Noether's learning dynamics: role of symmetry breaking in neural networks", arxiv: '2105.02716' },
  tp4: { cite: 'Yang & Hu 2021', title: 'Tensor Programs IV: feature learning in infinite-width neural networks', arxiv: '2011.14522' },
  tp5: { cite: 'Yang et al. 2022', title: 'Tensor Programs V: tuning large neural networks via zero-shot hyperparameter transfer', arxiv: '2203.03466' },
  spectral: { cite: 'Yang, Simon & Bernstein 2023', title: 'A spectral condition for feature learning', arxiv: '2310.17813' },
  tp6: { cite: 'Yang et al. 2023', title: 'Tensor Programs VI: feature learning in infinite-depth neural networks', arxiv: '2310.02244' },
  bordelonDepth: { cite: 'Bordelon et al. 2023', title: 'Depthwise hyperparameter transfer in residual networks: dynamics and scaling limit', arxiv: '2309.16620' },
  completeP: { cite: 'Dey et al. 2025', title: "Don't be lazy: CompleteP enables compute-efficient deep transformers", arxiv: '2505.01618' },
  goyal: { cite: 'Goyal et al. 2017', title: 'Accurate, large minibatch SGD: training ImageNet in 1 hour', arxiv: '1706.02677' },
  liTaiE: { cite: 'Li, Tai & E 2017', title: 'Stochastic modified equations and adaptive stochastic gradient algorithms', arxiv: '1511.06251' },
  mandt: { cite: 'Mandt, Hoffman & Blei 2017', title: 'Stochastic gradient descent as approximate Bayesian inference', arxiv: '1704.04289' },
  mccandlish: { cite: 'McCandlish et al. 2018', title: 'An empirical model of large-batch training', arxiv: '1812.06162' },
  kornblith: { cite: 'Kornblith et al. 2019', title: 'Similarity of neural network representations revisited', arxiv: '1905.00414' },
  huh: { cite: 'Huh et al. 2024', title: 'Position: the Platonic representation hypothesis', arxiv: '2405.07987' },
  nngp: { cite: 'Lee et al. 2018', title: 'Deep neural networks as Gaussian processes', arxiv: '1711.00165' },
  // Issue 13 experiments (arXiv ids checked against their arXiv listings; title only where no id was confirmed).
  saadSolla: { cite: 'Saad & Solla 1995', title: 'Exact solution for on-line learning in multilayer neural networks' },
  biehlSchwarze: { cite: 'Biehl & Schwarze 1995', title: 'Learning by on-line gradient descent' },
  goldt19: { cite: 'Goldt et al. 2019', title: 'Dynamics of stochastic gradient descent for two-layer neural networks in the teacher-student setup', arxiv: '1906.08632' },
  bagj: { cite: 'Ben Arous, Gheissari & Jagannath 2021', title: 'Online stochastic gradient descent on non-convex losses from high-dimensional inference', arxiv: '2003.10409' },
  abbe22: { cite: 'Abbe, Boix-Adserà & Misiakiewicz 2022', title: 'The merged-staircase property: a necessary and nearly sufficient condition for SGD learning of sparse functions on two-layer neural networks', arxiv: '2202.08658' },
  abbe23: { cite: 'Abbe, Boix-Adserà & Misiakiewicz 2023', title: 'SGD learning on neural networks: leap complexity and saddle-to-saddle dynamics', arxiv: '2302.11055' },
  power22: { cite: 'Power et al. 2022', title: 'Grokking: generalization beyond overfitting on small algorithmic datasets', arxiv: '2201.02177' },
  nanda23: { cite: 'Nanda et al. 2023', title: 'Progress measures for grokking via mechanistic interpretability', arxiv: '2301.05217' },
  gromov23: { cite: 'Gromov 2023', title: 'Grokking modular arithmetic', arxiv: '2301.02679' },
  morwani23: { cite: 'Morwani et al. 2023', title: 'Feature emergence via margin maximization: case studies in algebraic tasks', arxiv: '2311.07568' },
  omnigrok: { cite: 'Liu, Michaud & Tegmark 2023', title: 'Omnigrok: grokking beyond algorithmic data', arxiv: '2210.01117' },
  lyu24: { cite: 'Lyu et al. 2024', title: 'Dichotomy of early and late phase implicit biases can provably induce grokking', arxiv: '2311.18817' },
  kumar24: { cite: 'Kumar et al. 2024', title: 'Grokking as the transition from lazy to rich training dynamics', arxiv: '2310.06110' },
  martinMahoney: { cite: 'Martin & Mahoney 2021', title: 'Implicit self-regularization in deep neural networks: evidence from random matrix theory and implications for learning', arxiv: '1810.01075' },
  marchenkoPastur: { cite: 'Marchenko & Pastur 1967', title: 'Distribution of eigenvalues for some sets of random matrices' },
  clauset: { cite: 'Clauset, Shalizi & Newman 2009', title: 'Power-law distributions in empirical data', arxiv: '0706.1062' },
  hanin18: { cite: 'Hanin 2018', title: 'Which neural net architectures give rise to exploding and vanishing gradients?', arxiv: '1801.03744' },
  haninNica19: { cite: 'Hanin & Nica 2019', title: 'Products of many large random matrices and gradients in deep neural networks', arxiv: '1812.05994' },
  haninNicaNtk: { cite: 'Hanin & Nica 2019', title: 'Finite depth and width corrections to the neural tangent kernel' },
  domine25: { cite: 'Dominé et al. 2025', title: 'From lazy to rich: exact learning dynamics in deep linear networks', arxiv: '2409.14623' },
  kunin24: { cite: 'Kunin et al. 2024', title: 'Get rich quick: exact solutions reveal how unbalanced initializations promote rapid feature learning', arxiv: '2406.06158' },
} satisfies Record<string, Source>;

// ─────────────────────────────── claims ───────────────────────────────

const DLN_IN = ['quick', 'depth 2, small init', 'random small init, wide hidden layer'];

export const CLAIMS: Claim[] = [
  // ── §2.1 solvable settings ──
  {
    id: 'dln-mode-dynamics', strand: 'solvable', section: '§2.1, Fig. 1a',
    statement: 'From small, balanced, task-aligned initialization a deep linear network learns each singular mode of $\\Sigma_{yx}$ independently, following a Bernoulli ODE whose solution is a sigmoid with half-learning time $\\tau \\approx \\ln(\\lambda/s_0)/\\lambda$ (for $L = 2$).',
    equation: '\\frac{d}{dt}u = L\\,u^{2-2/L}(\\lambda - u),\\qquad u = s^L',
    sources: [PAPER, S.saxe],
    regime: ['whitened inputs ($\\Sigma_{xx} = I$)', 'small initialization (init scale ≪ the smallest target singular value)', 'balanced, aligned layers (or a small random init that aligns quickly)', 'small step: $\\eta\\lambda_{\\max}$ ≪ 1, so GD tracks the flow'],
    tests: [
      ...DLN_IN.map((config): ClaimTest => ({ experiment: 'dln', config, role: 'test', checks: [/half-learning time$/, 'GD mode trajectories vs theory'] })),
      { experiment: 'dln', config: 'quick', role: 'test', checks: ['gradient-flow trajectories vs theory'], note: 'RK4 gradient flow against the same ODE' },
      { experiment: 'dln', config: 'random large init (steps blurred)', role: 'boundary', checks: [/half-learning time$/, 'GD mode trajectories vs theory'], note: 'a large random init is not aligned or balanced: the modes couple and the steps blur (lazy-like)' },
    ],
  },
  {
    id: 'dln-learning-order', strand: 'solvable', section: '§2.1',
    statement: 'Modes of a deep linear network are learned in order of singular value, largest first (a greedy low-rank bias): the loss falls as a staircase.',
    sources: [PAPER, S.saxe],
    regime: ['small initialization', 'distinct target singular values', 'whitened inputs'],
    tests: [
      ...DLN_IN.map((config): ClaimTest => ({ experiment: 'dln', config, role: 'test', checks: ['learning order'] })),
      { experiment: 'dln', config: 'random large init (steps blurred)', role: 'boundary', checks: ['learning order'], note: 'large init: no saddle-to-saddle plateaus, so no order to speak of' },
    ],
  },
  {
    id: 'dln-balancedness', strand: 'solvable', section: '§2.1, §2.3',
    statement: 'In a deep linear network $W_{l+1}^\\top W_{l+1} - W_l W_l^\\top$ is conserved by gradient flow; gradient descent breaks it by a drift of order $\\eta$.',
    equation: '\\frac{d}{dt}\\left(W_{l+1}^\\top W_{l+1} - W_l W_l^\\top\\right) = 0',
    sources: [PAPER, S.saxe, S.du18, S.arora18],
    regime: ['gradient flow (η → 0) for exact conservation; GD for the O(η) drift'],
    tests: [
      { experiment: 'dln', config: 'quick', role: 'test', checks: ['conservation law under gradient flow', 'conservation-law drift under GD grows as O(η)'] },
      { experiment: 'dln', config: 'depth 2, small init', role: 'test', checks: ['conservation law under gradient flow', 'conservation-law drift under GD grows as O(η)'] },
    ],
  },
  {
    id: 'eigenlearning', strand: 'solvable', section: '§2.1, Fig. 1b',
    statement: 'The test error of kernel (ridge) regression on $n$ samples is predicted from the kernel\'s eigenvalues and the target\'s coefficients alone: modewise learnabilities $\\mathcal{L}_i = \\lambda_i/(\\lambda_i+\\kappa)$ with $\\kappa$ fixed by $n$.',
    equation: 'n = \\sum_i \\frac{\\lambda_i}{\\lambda_i+\\kappa} + \\frac{\\delta}{\\kappa},\\qquad E_{\\text{test}} = E_0\\Big(\\sum_i (1-\\mathcal{L}_i)^2 v_i^2 + \\epsilon^2\\Big),\\quad E_0 = \\frac{n}{n - \\sum_i \\mathcal{L}_i^2}',
    sources: [PAPER, S.eigenlearning, S.canatar, S.jacot],
    regime: ['high input dimension (the sphere $S^{d-1}$ with $d$ large enough that the spectrum is nearly degenerate within a degree)', 'enough test points and draws that the measured MSE has a small standard error', 'the kernel spectrum resolved to the degrees the target uses'],
    reconstructed: 'The risk formula and $E_0$ are marked reconstructed in the digest (only $\\kappa$ and $\\mathcal{L}_i$ are read in a secondary source). Here they are tested against an independent route: the MSE of KRR actually fitted on $n$ samples, averaged over draws.',
    tests: [
      { experiment: 'ntk-learning-curves', config: 'quick', role: 'test', checks: [/^learning curve, degree-/, /^learnability, degree-/, /^spectrum, degree /] },
      { experiment: 'ntk-learning-curves', config: 'ridge and label noise, erf NNGP', role: 'test', checks: [/^learning curve, degree-/] },
      { experiment: 'ntk-learning-curves', config: 'low-dimensional sphere d = 3 (theory off by ~2×)', role: 'boundary', checks: [/^learning curve, degree-/], note: 'in d = 3 the degenerate-spectrum approximation fails and the prediction is off by about 2×' },
    ],
  },
  {
    id: 'ntk-network-is-krr', strand: 'solvable', section: '§2.1, eq. 2',
    statement: 'A wide network in NTK parameterization trained by small-step gradient descent on squared loss behaves as its linearization: its centred predictor is kernel regression with the (analytic) NTK.',
    equation: 'f_{\\text{lin}}(x;\\theta) = f(x;\\theta_0) + \\nabla_\\theta f(x;\\theta_0)^\\top(\\theta-\\theta_0)',
    sources: [PAPER, S.jacot, S.lee19, S.arora19],
    regime: ['width ≫ number of samples (here 1024 vs ≤ 40)', 'small learning rate, trained to convergence', 'NTK parameterization, centred output $f - f_0$'],
    tests: [
      { experiment: 'ntk-learning-curves', config: 'route (b): wide network (depth 2, width 1024) trained by GD vs eigenlearning and KRR', role: 'test', checks: [/^network learning curve/, /^network vs KRR/] },
    ],
  },
  {
    id: 'spectral-bias', strand: 'solvable', section: '§2.1',
    statement: 'Under full-batch GD in the linearized regime the training residual along the $i$-th NTK eigenvector decays geometrically at rate $1-\\eta\\lambda_i/n$: larger-eigenvalue directions are fitted first.',
    equation: '\\langle u_i, f_t - y\\rangle = (1 - \\eta\\lambda_i/n)^t\\,\\langle u_i, f_0 - y\\rangle',
    sources: [PAPER, S.jacot, S.lee19, S.rahaman],
    regime: ['the kernel stays put during training (wide network)', 'η below 2n/λ_max'],
    tests: [
      { experiment: 'spectral-bias', config: 'quick', role: 'test', checks: [/residual decay rate$/, 'spectral bias: larger-λ directions are fitted faster'] },
      { experiment: 'spectral-bias', config: 'narrow network (kernel moves)', role: 'boundary', checks: [/residual decay rate$/], note: 'a narrow network moves its kernel, so the linearized rates no longer hold' },
    ],
  },

  {
    id: 'committee-machine-ode', strand: 'solvable', section: '§2.1 (beyond linearization: teacher–student)',
    statement: 'Online SGD of a soft committee machine ($K$ erf units) learning a teacher committee in high dimension $N$ follows the closed Saad–Solla ODEs for its order parameters $Q = ww^\\top/N$, $R = wB^\\top/N$: the whole $\\epsilon_g(\\alpha)$ curve, a symmetric plateau at the height of the ODE\'s symmetric fixed point, and its end where the ODE started from the run\'s own overlaps predicts.',
    equation: '\\frac{dR_{in}}{d\\alpha} = \\eta\\Big[\\sum_m I_3(i,n,m) - \\sum_j I_3(i,n,j)\\Big],\\qquad \\alpha = \\text{steps}/N',
    sources: [PAPER, S.saadSolla, S.biehlSchwarze, S.goldt19],
    regime: ['input dimension $N \\ge 100$ (the ODE is the $N \\to \\infty$ limit)', '$\\eta$ below $\\eta_{\\max}$, the stability limit of the perfect solution', 'the ODE integrated from each run\'s own finite-$N$ overlaps (an exactly symmetric start stays on the plateau for ever)', 'for the plateau end: no run at the largest $N$ still on the plateau at $\\alpha_{\\max}$'],
    reconstructed: 'The digest gives the committee machine only as a reconstructed implementation sketch (the ODEs are not written in the paper). The Gaussian integrals $I_2$–$I_4$ are tested against Monte Carlo and closed forms (test/committee-machine.test.ts), and each SGD run is compared with the ODE integrated from its own initial overlaps.',
    tests: [
      { experiment: 'teacher-student', config: 'quick', role: 'test', checks: [/^ε_g\(α\) of SGD follows the ODE/, 'plateau height = ε_g at the symmetric fixed point', 'plateau ends (ε_g < ½ plateau) when the matched ODE predicts'] },
      { experiment: 'teacher-student', config: 'η above the stability limit of the perfect solution (η = 3 > η_max ≈ 2.31)', role: 'boundary', checks: [/^ε_g(\(α\) of SGD follows the ODE| trajectory vs ODE)/], note: 'above η_max the perfect solution is unstable' },
      { experiment: 'teacher-student', config: 'small dimensions (N < 100)', role: 'boundary', checks: [/^ε_g\(α\) of SGD follows the ODE/], note: 'below N = 100 the finite-N fluctuations are not small against the curve' },
    ],
  },
  {
    id: 'information-exponent', strand: 'solvable', section: '§2.1 (beyond linearization: single-index models)',
    statement: 'Online SGD on a single-index target $y = h_k(w^*\\cdot x)$ with information exponent $k$ needs $n \\asymp d$ ($k = 1$), $d\\ln d$ ($k = 2$) or $d^{k-1}$ ($k \\ge 3$) samples to escape the equator from a random start.',
    equation: 'T_{\\text{escape}} \\propto d^{\\max(k-1,\\,1)}\\quad(\\times\\,\\ln d\\ \\text{at}\\ k = 2)',
    sources: [PAPER, S.bagj],
    regime: ['step small: contraction/drift ratio ρ ≤ ¾, max over d (renormalization must not pin m at the equator)', 'noise/drift at the start $\\eta d^{k/2}$ ≤ ¼', 'at least 75 % of runs escape within the step budget', 'dimension range max d / min d ≥ 4', 'd large enough: the noiseless drift ODE\'s slope within 0.25 of the asymptotic law\'s'],
    tests: [
      { experiment: 'single-index', config: 'quick', role: 'test', checks: [/^escape time from the equator ∝ /], note: 'k = 3: T ∝ d²; the prediction is the finite-d slope of the noiseless drift ODE over the same d' },
      { experiment: 'single-index', config: 'k = 1 (T ∝ d)', role: 'test', checks: [/^escape time from the equator ∝ /] },
      { experiment: 'single-index', config: 'k = 2 (T ∝ d ln d)', role: 'test', checks: [/^escape time from the equator ∝ /, 'k = 2: the d log d law'] },
      { experiment: 'single-index', config: 'step too large (η d^{k/2} = 2: renormalization pins m at the equator)', role: 'boundary', checks: [/^escape time from the equator ∝ /], note: 'a step η d^{k/2} of order 1: the contraction from renormalizing beats the drift' },
      { experiment: 'single-index', config: 'd too small for the asymptotic law (k = 3, d = 6…16)', role: 'boundary', checks: [/^escape time from the equator ∝ /], note: 'at d ≤ 16 the finite-d corrections dominate the slope' },
    ],
  },
  {
    id: 'merged-staircase', strand: 'solvable', section: '§2.1 (multi-index models), §2.2 (rich regime)',
    statement: 'A two-layer network trained by online SGD in the mean-field (rich) regime learns the merged-staircase target $x_1 + x_1x_2 + x_1x_2x_3$ on $\\{\\pm1\\}^d$ monomial by monomial in order of degree (saddle to saddle), in $\\tilde\\Theta(d)$ steps.',
    sources: [PAPER, S.abbe22, S.abbe23],
    regime: ['rich, not lazy: relative first-layer movement ‖W_T − W₀‖/‖W₀‖ ≥ 0.1', '$\\eta d$ ≤ 2 (features stay O(1))', 'batch ≤ the smallest d (online SGD)', 'smallest d ≥ 8', 'every staircase run complete within the budget'],
    reconstructed: 'The digest gives the staircase only in a reconstructed implementation sketch ("SGD learns the terms in sequence"); the leap exponents come from Abbe et al. (the science notes flag their constants as unverified). The order is checked exactly and the exponent with a range that allows one log factor.',
    tests: [
      { experiment: 'staircase', config: 'quick', role: 'test', checks: ['staircase learned in order of degree', /^staircase learned in .* steps \(Leap = /] },
      { experiment: 'staircase', config: 'lazy (α = 16: features frozen)', role: 'boundary', checks: ['staircase learned in order of degree'], note: 'lazy: the features barely move (a kernel cannot learn the staircase in O(d))' },
      { experiment: 'staircase', config: 'batch ≫ d (B = 64 at d = 8, 16)', role: 'boundary', checks: ['staircase learned in order of degree'], note: 'batch ≫ d: each step is nearly a population-gradient step, so steps no longer count samples' },
      { experiment: 'staircase', config: 'step too large (η d = 8)', role: 'boundary', checks: ['staircase learned in order of degree'], note: 'η d ≫ 1: the accumulated gradient noise swamps the features' },
    ],
  },
  {
    id: 'leap-complexity', strand: 'solvable', section: '§2.1 (multi-index models)',
    statement: 'Online SGD needs $\\tilde\\Theta(d^{\\max(\\text{Leap}-1,\\,1)})$ steps (runtime $\\tilde\\Theta(d^{\\max(\\text{Leap},\\,2)})$): in the budget that completes the Leap-1 staircase, the Leap-3 parity $x_1x_2x_3$ of the same degree is not learned.',
    sources: [PAPER, S.abbe23, S.abbe22],
    regime: ['rich, not lazy: relative first-layer movement ≥ 0.1', '$\\eta d$ ≤ 2', 'batch ≤ the smallest d', 'smallest d ≥ 8', 'the staircase itself complete within the budget (so the budget is the staircase\'s O(d))'],
    tests: [
      { experiment: 'staircase', config: 'quick', role: 'test', checks: [/^Leap-\d+ target .* not learned in the same budget$/] },
      { experiment: 'staircase', config: 'lazy (α = 16: features frozen)', role: 'boundary', checks: [/^Leap-\d+ target /], note: 'lazy: neither target is learned, so the contrast says nothing' },
    ],
  },
  {
    id: 'grokking', strand: 'solvable', section: '§2.1 (modular arithmetic)',
    statement: 'Trained on half of the $p^2$ sums $(a + b) \\bmod p$ with weight decay, a network reaches perfect training accuracy long before it generalizes: the test-accuracy jump comes at least 5× later than memorization (grokking).',
    equation: 't_{\\text{grok}} - t_{\\text{mem}} \\ge 5\\,t_{\\text{mem}}',
    sources: [PAPER, S.power22, S.nanda23, S.gromov23],
    regime: ['train fraction $0.2 < f < 0.8$ (no delay at large f, no generalization within the budget at small f)', 'weight decay λ > 0 (λ = 0: delay unbounded)', 'every cell memorizes and groks within the step budget'],
    reconstructed: 'The digest states delayed generalization only in a reconstructed implementation sketch; the 5× gap is the lab\'s pre-registered threshold (science notes §F).',
    tests: [
      { experiment: 'modular-arithmetic', config: 'quick', role: 'test', checks: ['grokking: the test jump comes long after memorization'] },
      { experiment: 'modular-arithmetic', config: 'weight-decay sweep λ ∈ {0.5, 1}', role: 'test', checks: ['grokking: the test jump comes long after memorization'], note: 'the grokking checks are in regime here; only the 1/λ exponent is not' },
      { experiment: 'modular-arithmetic', config: 'train fraction 0.9: no delay', role: 'boundary', checks: ['grokking: the test jump'], note: 'with 90 % of the pairs in training there is no delay to measure' },
    ],
  },
  {
    id: 'modular-fourier-features', strand: 'solvable', section: '§2.1 (modular arithmetic)',
    statement: 'Grokking modular addition, the network learns Fourier features: each hidden neuron\'s input weights concentrate on a single frequency of $\\mathbb{Z}_p$ (weighted per-neuron IPR ≥ ½ against the uniform baseline), and the concentration rises before the test jump.',
    equation: '\\mathrm{IPR} = \\frac{\\sum_\\sigma P_\\sigma^2}{\\big(\\sum_\\sigma P_\\sigma\\big)^2},\\qquad P_\\sigma = \\Big\\lVert \\sum_a U_a e^{-2\\pi i \\sigma a/p}\\Big\\rVert^2',
    sources: [PAPER, S.nanda23, S.gromov23, S.morwani23],
    regime: ['train fraction $0.2 < f < 0.8$', 'weight decay λ > 0', 'every cell memorizes and groks within the step budget'],
    reconstructed: 'The digest expects Fourier features only in a reconstructed implementation sketch; the IPR baseline of random weights is checked against planted Gromov networks (test/modular-fourier.test.ts).',
    tests: [
      { experiment: 'modular-arithmetic', config: 'quick', role: 'test', checks: ['Fourier features: each neuron concentrates on one frequency', 'the Fourier IPR rises before the test jump'] },
      { experiment: 'modular-arithmetic', config: 'weight-decay sweep λ ∈ {0.5, 1}', role: 'test', checks: ['Fourier features: each neuron concentrates on one frequency', 'the Fourier IPR rises before the test jump'] },
      { experiment: 'modular-arithmetic', config: 'train fraction 0.9: no delay', role: 'boundary', checks: ['Fourier features'], note: 'no grokking regime: memorization and generalization coincide' },
    ],
  },
  {
    id: 'gromov-analytic-solution', strand: 'solvable', section: '§2.1 (modular arithmetic)',
    statement: 'In a one-hidden-layer quadratic network the grokked weights take Gromov\'s analytic form — input and readout weights of each neuron are cosines of one shared frequency, with readout phase equal to the sum of the input phases — and that analytic network, like the trained one idealized into it, is exact on all $p^2$ pairs.',
    equation: 'U_{ia} = \\cos\\!\\big(\\tfrac{2\\pi\\sigma_i a}{p} + \\phi_i\\big),\\quad V_{ib} = \\cos\\!\\big(\\tfrac{2\\pi\\sigma_i b}{p} + \\phi\'_i\\big),\\quad W_{qi} = \\cos\\!\\big(\\tfrac{2\\pi\\sigma_i q}{p} + \\phi_i + \\phi\'_i\\big)',
    sources: [S.gromov23, S.morwani23, PAPER],
    regime: ['quadratic one-hidden-layer network', 'train fraction $0.2 < f < 0.8$', 'weight decay λ > 0', 'every cell memorizes and groks within the step budget'],
    tests: [
      { experiment: 'modular-arithmetic', config: 'quick', role: 'test', checks: ["Gromov's analytic network is exact on all p² pairs", "Gromov's solution: U, V, W of each neuron share its frequency", "Gromov's solution: readout phase = sum of the input phases", "the trained network idealized into Gromov's form generalizes"] },
      { experiment: 'modular-arithmetic', config: 'train fraction 0.9: no delay', role: 'boundary', checks: ["Gromov's solution: U, V, W"], note: 'outside the grokking regime the trained weights are not compared with the analytic form' },
    ],
  },
  {
    id: 'lambda-balanced-exact-solution', strand: 'solvable', section: '§2.1 (deep linear networks)',
    statement: 'From a λ-balanced initialization ($W_2^\\top W_2 - W_1W_1^\\top = \\lambda I$) the gradient flow of a two-layer linear network is solved exactly by a matrix Riccati equation; gradient descent converges to that solution at first order in $\\eta$, and at $\\lambda = 0$ from a task-aligned init it reduces to Saxe\'s logistic per mode.',
    equation: 'X = \\begin{pmatrix} W_1^\\top W_1 & (W_2W_1)^\\top \\\\ W_2W_1 & W_2W_2^\\top \\end{pmatrix},\\qquad \\dot X = GX + XG - X^2,\\quad G = \\begin{pmatrix} -\\tfrac{\\lambda}{2} I & T^\\top \\\\ T & \\tfrac{\\lambda}{2} I \\end{pmatrix}',
    sources: [PAPER, S.domine25, S.saxe],
    regime: ['λ-balanced init: max|W₂ᵀW₂ − W₁W₁ᵀ − λI|/(1 + |λ|) ≤ 1e-9', 'for GD: η · largest NTK eigenvalue along the exact trajectory ≤ 0.1'],
    tests: [
      { experiment: 'dln-lazy-rich', config: 'quick', role: 'test', checks: ['exact Riccati solution = RK4 of the full matrix flow', 'GD converges to the exact solution as η → 0'] },
      { experiment: 'dln-lazy-rich', config: 'single neuron f = a wᵀx (Kunin et al.): upstream λ < 0 is not lazy', role: 'test', checks: ['exact Riccati solution = RK4 of the full matrix flow', 'GD converges to the exact solution as η → 0'] },
      { experiment: 'dln-lazy-rich', config: 'small aligned balanced init (Saxe limit)', role: 'test', checks: ['exact Riccati solution = RK4 of the full matrix flow', 'GD converges to the exact solution as η → 0', /^λ = 0, task-aligned init: the exact solution is Saxe/] },
      { experiment: 'dln-lazy-rich', config: 'generic (not λ-balanced) init', role: 'boundary', checks: ['exact Riccati solution = RK4'], note: 'a generic init is not λ-balanced: the Riccati solution does not apply' },
      { experiment: 'dln-lazy-rich', config: 'coarse step: η·S > 0.1', role: 'boundary', checks: ['GD converges to the exact solution'], note: 'η·S > 0.1: GD no longer tracks the flow at first order' },
    ],
  },

  // ── §2.2 limits ──
  {
    id: 'ntk-width-convergence', strand: 'limits', section: '§2.2',
    statement: 'At initialization the empirical NTK of a finite network converges to the analytic infinite-width NTK (the arc-cosine recursion for ReLU), with relative deviation $\\propto \\text{width}^{-1/2}$ and no systematic offset.',
    equation: '\\frac{\\lVert \\hat K_N - K_\\infty\\rVert_F}{\\lVert K_\\infty\\rVert_F} \\propto N^{-1/2}',
    sources: [PAPER, S.jacot, S.arora19],
    regime: ['depth/width small (widths ≥ 32 at depth 2–3)', 'several seeds per width to fit the exponent'],
    tests: [
      { experiment: 'width-convergence', config: 'quick', role: 'test', checks: [/^empirical NTK → analytic NTK/, /no systematic offset$/] },
      { experiment: 'width-convergence', config: 'erf network', role: 'test', checks: [/^empirical NTK → analytic NTK/] },
      { experiment: 'width-convergence', config: 'narrow networks (depth/width not small)', role: 'boundary', checks: [/^empirical NTK → analytic NTK/], note: 'widths 4–32: the 1/√width expansion has not set in' },
      { experiment: 'discretization', config: 'empirical NTK → analytic NTK in width', role: 'test', checks: [/^convergence rate in 1\/width/], note: 'an independent route: the rate fitted with its interval by the limit fitter, widths 16–4096 (two-layer NTK parameterization)' },
    ],
  },
  {
    id: 'lazy-limit', strand: 'limits', section: '§2.2, Fig. 2',
    statement: 'Scaling the output by a large multiplier $\\alpha$ makes training lazy: relative weight and feature changes fall as $\\alpha^{-1}$, the NTK change as $\\alpha^{-1/2}$, and the kernel–target alignment stays at its initial value.',
    sources: [PAPER, S.chizat, S.woodworth, S.jacot],
    regime: ['the lazy end of the α sweep reaches α ≫ 1 (fit window α ≥ 10)', 'the same function-space loss reached at every α'],
    tests: [
      { experiment: 'lazy-rich', config: 'quick', role: 'test', checks: [/^lazy limit: /, /^lazy regime: kernel–target alignment/, /^NTK parameterization/] },
      { experiment: 'lazy-rich', config: 'no lazy end (fit window α ≥ 1)', role: 'boundary', checks: [/^lazy limit: /], note: 'without α ≫ 1 there is no lazy end to fit' },
    ],
  },
  {
    id: 'rich-regime', strand: 'limits', section: '§2.2, Fig. 2',
    statement: 'At small output scale $\\alpha$ (the rich, feature-learning regime) the first-layer weights of a two-layer ReLU network gather on the teacher\'s directions, which the lazy regime never does.',
    sources: [PAPER, S.woodworth, S.chizat, S.tp4],
    regime: ['small α (≤ 0.1) with training to low loss', 'a teacher with few directions (3 units)'],
    tests: [
      { experiment: 'lazy-rich', config: 'quick', role: 'test', checks: [/^rich regime: mass concentrates/, /^lazy regime: concentration stays/, 'init concentration matches the isotropic baseline'] },
    ],
  },

  {
    id: 'committee-machine-finite-n', strand: 'limits', section: '§2.2 (high-dimensional limit; Discretization Hypothesis)',
    statement: 'The finite-$N$ deviation of SGD\'s order parameters from the $N \\to \\infty$ committee-machine ODE shrinks as $N^{-1/2}$ (the central-limit scaling of the SGD fluctuations).',
    equation: '\\operatorname{RMS}\\,\\big\\lVert (Q,R)^{\\text{SGD}} - (Q,R)^{\\text{ODE}}\\big\\rVert_F \\propto N^{-1/2}',
    sources: [PAPER, S.goldt19, S.saadSolla],
    regime: ['input dimension $N \\ge 100$', '$\\eta$ below the stability limit $\\eta_{\\max}$', 'dimension range max N / min N ≥ 4', 'the fluctuation window ends before any matched-ODE plateau escape'],
    tests: [
      { experiment: 'teacher-student', config: 'quick', role: 'test', checks: ['finite-N deviation from the ODE shrinks as N'] },
      { experiment: 'teacher-student', config: 'small dimensions (N < 100)', role: 'boundary', checks: ['finite-N deviation from the ODE shrinks as N'], note: 'N = 24…96: the next-order (1/N) terms are not small' },
      { experiment: 'teacher-student', config: 'η above the stability limit of the perfect solution (η = 3 > η_max ≈ 2.31)', role: 'boundary', checks: [/^finite-N (deviation from the ODE|fluctuations)/], note: 'above η_max the ODE itself runs away' },
    ],
  },
  {
    id: 'log-normal-jacobian', strand: 'limits', section: '§2.2 (joint width–depth limits)',
    statement: 'In a random deep network (ReLU with He init, or linear) $\\log\\lVert Ju\\rVert^2$ is approximately Gaussian with variance $L\\,V(n)$, $V(n)$ the exact finite-width per-layer constant ($5/n + 37/(2n^2) + \\dots$ for ReLU, $\\psi\'(n/2)$ for linear layers), so the depth-to-width ratio $\\beta = \\sum_l 1/n_l$, not depth or width alone, sets the fluctuations.',
    equation: '\\operatorname{Var}\\log\\frac{\\lVert Ju\\rVert^2}{\\lVert u\\rVert^2} = L\\,V(n),\\qquad V_{\\text{ReLU}}(n) = \\frac{5}{n} + \\frac{37}{2n^2} + \\dots,\\quad V_{\\text{lin}}(n) = \\psi\'(n/2)',
    sources: [PAPER, S.hanin18, S.haninNica19],
    regime: ['at least 100 surviving networks per (depth, width) cell (dead ReLU networks are excluded: the law is conditioned on survival)'],
    tests: [
      ...['quick', 'linear network (constant 2)', 'ReLU with a linear readout of 4 outputs'].map((config): ClaimTest => ({ experiment: 'depth-limits', config, role: 'test', checks: [/^Var log ‖Ju‖² grows linearly in β/, 'Var log ‖f(x)‖² (output norm) has the same slope', /^per-layer variance at width /, 'mean of log ‖Ju‖² in every cell', 'log ‖Ju‖² is approximately Gaussian'] })),
      { experiment: 'depth-limits', config: 'deep and narrow (L/n ≥ ¼): the infinite-width kernel out of regime', role: 'test', checks: [/^Var log ‖Ju‖² grows linearly in β/, 'Var log ‖f(x)‖² (output norm) has the same slope', /^per-layer variance at width /, 'mean of log ‖Ju‖² in every cell', 'log ‖Ju‖² is approximately Gaussian'], note: 'the finite-width law holds at L/n of order 1, where the kernel limit does not' },
      { experiment: 'depth-limits', config: 'control: the wide-layer constant 5/n at narrow widths', role: 'control', checks: [/^Var log ‖Ju‖² grows linearly in β/, /^per-layer variance at width /], note: 'the wide-layer Hanin–Nica constant without its finite-width corrections must fail at n = 8–32' },
    ],
  },
  {
    id: 'kernel-limit-depth-width', strand: 'limits', section: '§2.2 (joint width–depth limits)',
    statement: 'A single random network agrees with its infinite-width kernel ($\\lVert Ju\\rVert^2 = \\lVert u\\rVert^2$ through the hidden layers) only when $L/n \\to 0$: its typical deviation grows like $\\sqrt{cL/n}$ ($c = 5$ for ReLU, 2 for linear layers), so the kernel limit needs depth ≪ width.',
    sources: [PAPER, S.haninNica19, S.haninNicaNtk, S.hanin18],
    regime: ['$L/n \\le 0.01$ (the kernel is the $L/n \\to 0$ limit)', 'at least 100 surviving networks per cell'],
    tests: [
      ...['quick', 'linear network (constant 2)', 'ReLU with a linear readout of 4 outputs'].map((config): ClaimTest => ({ experiment: 'depth-limits', config, role: 'test', checks: ['a single network matches the infinite-width kernel'] })),
      { experiment: 'depth-limits', config: 'deep and narrow (L/n ≥ ¼): the infinite-width kernel out of regime', role: 'boundary', checks: ['a single network matches the infinite-width kernel'], note: 'at L/n ≥ ¼ the deviation from the kernel is of order 1' },
    ],
  },
  {
    id: 'lambda-lazy-rich', strand: 'limits', section: '§2.2 (lazy vs rich), Fig. 2',
    statement: 'In a two-layer linear network the layer balance λ interpolates between rich and lazy learning: the exact NTK movement falls monotonically as $|\\lambda|$ grows when the large layer is square (≈ $\\lVert T\\rVert^2/\\lambda^2$, the lazy limit), while $\\lambda = 0$ from a small init moves the kernel by order one (rich).',
    equation: '\\frac{\\lVert K(t) - K(0)\\rVert_F}{\\lVert K(0)\\rVert_F} \\approx \\frac{\\lVert T\\rVert_F^2}{\\lambda^2}\\quad (|\\lambda| \\to \\infty)',
    sources: [PAPER, S.domine25, S.kunin24, S.chizat],
    regime: ['λ-balanced init (residual ≤ 1e-9·(1 + |λ|))', 'η · largest NTK eigenvalue along the exact trajectory ≤ 0.1', 'the lazy limit where the large layer is square (hidden = outputs for λ > 0, hidden = inputs for λ < 0)'],
    tests: [
      { experiment: 'dln-lazy-rich', config: 'quick', role: 'test', checks: [/^NTK movement at λ = /, /^lazy limit λ → \+∞/, /^lazy limit λ → −∞/] },
      { experiment: 'dln-lazy-rich', config: 'single neuron f = a wᵀx (Kunin et al.): upstream λ < 0 is not lazy', role: 'test', checks: [/^NTK movement at λ = /, /^lazy limit λ → \+∞/] },
      { experiment: 'dln-lazy-rich', config: 'coarse step: η·S > 0.1', role: 'boundary', checks: [/^NTK movement at λ = /], note: 'η·S > 0.1: GD\'s kernel movement is not the flow\'s' },
    ],
  },
  {
    id: 'upstream-not-lazy', strand: 'limits', section: '§2.2 (lazy vs rich)',
    statement: 'For a single neuron $f = a\\,w^\\top x$ a large upstream (first-layer) scale, $\\lambda \\to -\\infty$, is not lazy: the first layer rotates onto the target and the NTK movement tends to $|\\lambda|\\sqrt2\\,\\sin\\angle(w_0, T)/\\lVert K_0\\rVert_F$, not to 0.',
    sources: [S.kunin24, S.domine25, PAPER],
    regime: ['λ-balanced init', 'η · largest NTK eigenvalue ≤ 0.1', 'trained to convergence at the most negative λ (final/initial loss ≤ 1e-8)'],
    tests: [
      { experiment: 'dln-lazy-rich', config: 'single neuron f = a wᵀx (Kunin et al.): upstream λ < 0 is not lazy', role: 'test', checks: [/^single neuron, upstream λ = .*: not lazy/] },
    ],
  },
  {
    id: 'discretization-hypothesis', strand: 'limits', section: '§2.2 (Discretization Hypothesis), OD 5',
    statement: 'Finite step size and finite width are discretizations of a limit reached at a predicted rate: the GD loss at a fixed time $t = \\eta\\cdot\\text{steps}$ converges to the exact gradient-flow loss as $\\eta^1$, the empirical NTK to the analytic NTK as $\\text{width}^{-1/2}$, and the limit is recovered from the sequence alone.',
    equation: 'y(h) = y_\\infty + C\\,h^{p},\\qquad p = 1\\ (h = \\eta),\\quad p = \\tfrac12\\ (h = 1/\\text{width})',
    sources: [PAPER, S.jacot, S.saxe],
    regime: ['at least 4 points along the axis', 'for η: η_max · largest NTK eigenvalue along the exact flow ≤ 0.1', 'for width: width range max/min ≥ 16'],
    tests: [
      { experiment: 'discretization', config: 'quick', role: 'test', checks: [/^convergence rate in η/, 'the limit recovered from the sequence alone', 'limit reached within tolerance at the finest point'], note: 'the convergence part of the hypothesis; its falsification criterion (finite-size corrections usually worsen performance) is not tested here' },
      { experiment: 'discretization', config: 'empirical NTK → analytic NTK in width', role: 'test', checks: [/^convergence rate in 1\/width/, 'the limit recovered from the sequence alone', 'limit reached within tolerance at the finest point'] },
      { experiment: 'discretization', config: 'coarse steps (η·S > 0.1)', role: 'boundary', checks: [/^convergence rate in η/], note: 'η·S > 0.1: the O(η²) terms bend the curve' },
      { experiment: 'discretization', config: 'control: claiming rate η² for GD', role: 'control', checks: [/^convergence rate in η/], note: 'GD is first order: a claimed rate η² must fail' },
    ],
  },

  // ── §2.3 laws ──
  {
    id: 'quadratic-stability', strand: 'laws', section: '§2.3 (why 2/η)',
    statement: 'Gradient descent on a quadratic converges if and only if $\\eta < 2/\\lambda_{\\max}$; the loss curve is $\\tfrac12\\sum_i \\lambda_i c_i^2 (1-\\eta\\lambda_i)^{2t}$.',
    equation: 'x_{t+1} = (1-\\eta\\lambda)\\,x_t \\;\\Rightarrow\\; \\text{stable} \\iff \\lambda < 2/\\eta',
    sources: [PAPER, S.cohen21],
    regime: ['η resolvably away from 2/λ_max within the steps run'],
    tests: [
      { experiment: 'quadratic-stability', config: 'quick', role: 'test', checks: [/: outcome$/, /: loss curve$/, /: divergence step$/, 'sharpness (Lanczos on exact HVPs) = planted λ_max'] },
      { experiment: 'quadratic-stability', config: 'ill-conditioned, λ_max = 100', role: 'test', checks: [/: outcome$/] },
      { experiment: 'quadratic-stability', config: 'η within 0.1% of 2/λ_max: unresolved in 200 steps', role: 'boundary', checks: [/: outcome$/], note: 'within 0.1 % of the threshold the growth or decay is too slow to resolve in 200 steps' },
    ],
  },
  {
    id: 'eos-sharpness-plateau', strand: 'laws', section: '§2.3, Fig. 4',
    statement: 'Under full-batch GD the sharpness $\\lambda_{\\max}(\\nabla^2 L)$ rises (progressive sharpening) until it reaches $2/\\eta$, then hovers there; gradient flow, which has no threshold, sharpens past it.',
    equation: 'S(\\theta_t) = \\lambda_{\\max}\\big(\\nabla^2 L(\\theta_t)\\big) \\to 2/\\eta',
    sources: [PAPER, S.cohen21, S.damian22],
    regime: ['full-batch GD', 'enough steps for sharpening to reach 2/η', 'loss not yet near zero (sharpening continues)'],
    tests: [
      { experiment: 'edge-of-stability', config: 'quick', role: 'test', checks: [/progressive sharpening$/, /sharpness plateau at 2\/η$/, /^control: gradient flow sharpens past 2\/η/] },
      { experiment: 'edge-of-stability', config: 'η = 0.1: sharpening too slow to reach 2/η in 400 steps', role: 'boundary', checks: [/sharpness plateau at 2\/η$/], note: 'at small η sharpening does not reach 2/η within the run' },
    ],
  },
  {
    id: 'eos-nonmonotone-loss', strand: 'laws', section: '§2.3, Fig. 4',
    statement: 'At the edge of stability the training loss keeps falling over long windows but not monotonically, while below the threshold it falls monotonically.',
    sources: [PAPER, S.cohen21],
    regime: ['full-batch GD at the edge (sharpness at 2/η)'],
    tests: [
      { experiment: 'edge-of-stability', config: 'quick', role: 'test', checks: [/loss non-monotone at the edge$/, /loss falls over long windows$/, /loss monotone below the threshold$/] },
    ],
  },
  {
    id: 'catapult', strand: 'laws', section: '§2.3–2.4',
    statement: 'With $2/\\lambda_0 < \\eta < 4/\\lambda_0$ the loss first spikes, then GD lands in a flatter region whose sharpness is below $2/\\eta$; below $2/\\lambda_0$ the loss falls monotonically.',
    sources: [S.catapult, S.cohen21],
    regime: ['$\\eta\\lambda_0/2$ in (1, 2) for a two-layer network', 'wide enough network that λ₀ is sharp'],
    tests: [
      { experiment: 'catapult', config: 'quick', role: 'test', checks: [/^catapult: /, 'control: no spike below 2/λ₀'] },
      { experiment: 'catapult', config: 'ηλ₀/2 = 2.5, beyond the two-layer window', role: 'boundary', checks: [/^catapult: /], note: 'beyond 4/λ₀ a two-layer network diverges instead of catapulting' },
    ],
  },
  {
    id: 'scaling-law-fit', strand: 'laws', section: '§2.3, Fig. 3',
    statement: 'Final loss is a sum of power laws in parameters and data plus an irreducible floor; fitted on a ladder of sizes it recovers the known floor and the derived exponents, its exponents are stable when the smallest models are dropped, and it predicts larger held-out runs.',
    equation: 'L(N, D) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D^{\\beta}}',
    sources: [PAPER, S.kaplan, S.hestness, S.chinchilla],
    regime: ['at least ~1.5 decades in each of N and D', 'runs trained to convergence (early stopping at the best validation loss)', 'no interpolation peak in the range fitted', 'bottlenecks in N and D that add (not a min)'],
    tests: [
      { experiment: 'scaling-law', config: 'quick', role: 'test', checks: ['fitted E agrees with the known noise floor σ²', /^fitted [αβ] agrees with the derived/, /^exponent /, /^held-out run at N = /] },
      { experiment: 'scaling-law', config: 'one decade per axis', role: 'boundary', checks: ['fitted E agrees'], note: 'one decade per axis does not identify E, A, α, B, β' },
      { experiment: 'scaling-law', config: 'not trained to convergence (flow time T = 3)', role: 'boundary', checks: ['fitted E agrees'], note: 'undertrained runs: the loss is not the converged L(N, D)' },
      { experiment: 'scaling-law', config: 'task min, no early stopping: interpolation peak at N ≈ D', role: 'boundary', checks: ['fitted E agrees'], note: 'double descent: a peak at N ≈ D that no sum of power laws has' },
      { experiment: 'scaling-law', config: 'task min: the bottlenecks do not add; 8 replicates over 2.4 decades of D and lack of fit rejects the sum form', role: 'boundary', checks: ['fitted E agrees'], note: 'where the bottlenecks combine as a min rather than a sum, the additive form is rejected by its lack of fit' },
    ],
  },
  {
    id: 'quanta-order', strand: 'laws', section: '§2.3 (quanta model)',
    statement: 'In multitask sparse parity with Zipfian task frequencies, tasks (quanta) are learned in order of frequency.',
    sources: [PAPER, S.quanta],
    regime: ['tasks frequent enough to be learned within the step budget', 'several tasks learned'],
    tests: [
      { experiment: 'quanta', config: 'quick', role: 'test', checks: ['tasks are learned in frequency order'] },
      { experiment: 'quanta', config: 'too few steps (no task learned)', role: 'boundary', checks: ['tasks are learned in frequency order'], note: 'no task learned yet: no order to measure' },
    ],
  },
  {
    id: 'quanta-emergence', strand: 'laws', section: '§2.3 (quanta model)',
    statement: 'Each quantum is learned abruptly: a task\'s loss sits at chance, then drops sharply (emergence), so smooth mean-loss power laws are sums of discrete jumps.',
    sources: [PAPER, S.quanta],
    regime: ['enough task bits that each parity is hard (the plateau is long)'],
    tests: [
      { experiment: 'quanta', config: 'quick', role: 'test', checks: ['emergence: each task sits at chance, then jumps'], note: 'pre-registered at 14 bits; the lab expects this check to fail at CPU scale' },
    ],
  },
  {
    id: 'quanta-exponents', strand: 'laws', section: '§2.3 (quanta model), OD 7',
    statement: 'With task frequencies $p_k \\propto k^{-(\\alpha+1)}$ the mean loss falls as $N^{-\\alpha}$ in parameters and $S^{-\\alpha/(\\alpha+1)}$ in steps.',
    equation: 'L(N) \\approx L_\\infty + C_N N^{-\\alpha},\\qquad L(S) \\approx L_\\infty + C_S S^{-\\alpha/(\\alpha+1)}',
    sources: [PAPER, S.quanta],
    regime: ['at least a decade of learned tasks', 'the finite number of tasks T not truncating the sum'],
    tests: [
      { experiment: 'quanta', config: 'quick', role: 'test', checks: ['parameter scaling L ∝ N^{−α}', 'step (data) scaling L ∝ S^{−α/(α+1)}'], note: 'one width and 12 tasks: below a decade of learned tasks, so the exponent checks are out of regime at this scale' },
    ],
  },
  {
    id: 'nc1-variability-collapse', strand: 'laws', section: '§2.3',
    statement: 'In the terminal phase of training (past zero training error, cross-entropy with weight decay) the within-class variability of last-layer features collapses: NC1 $= \\tfrac1C\\operatorname{tr}(\\Sigma_W\\Sigma_B^\\dagger)$ falls monotonically.',
    sources: [PAPER, S.papyan, S.zhu21],
    regime: ['zero training error reached before the terminal phase', 'weight decay > 0', 'cross-entropy loss'],
    reconstructed: 'The NC1–NC4 metrics are marked reconstructed in the digest; src/observables/neural-collapse.ts checks them on a planted simplex ETF with a closed-form NC1.',
    tests: [
      { experiment: 'neural-collapse', config: 'quick', role: 'test', checks: [/^NC1 falls by/, 'NC1 decreases monotonically'] },
      { experiment: 'neural-collapse', config: 'no weight decay (λ = 0)', role: 'boundary', checks: [/^NC1/], note: 'without weight decay the collapse is not the energy minimum' },
      { experiment: 'neural-collapse', config: 'stopped before zero training error', role: 'boundary', checks: [/^NC1/], note: 'no terminal phase yet' },
    ],
  },
  {
    id: 'nc2-simplex-etf', strand: 'laws', section: '§2.3',
    statement: 'The centred class means form a regular simplex: equal norms and every pairwise cosine equal to $-1/(C-1)$.',
    equation: '\\cos(\\mu_c - \\mu_G,\\, \\mu_{c\'} - \\mu_G) \\to -\\frac{1}{C-1}\\quad (c \\ne c\')',
    sources: [PAPER, S.papyan, S.zhu21],
    regime: ['terminal phase (zero training error)', 'weight decay > 0'],
    tests: [
      { experiment: 'neural-collapse', config: 'quick', role: 'test', checks: ['centred class means: mean pairwise cosine', 'NC2 equiangularity'], note: 'the mean cosine reaches −1/(C−1); the per-pair spread stays ~10× its tolerance at this CPU scale' },
    ],
  },
  {
    id: 'nc3-nc4-self-duality', strand: 'laws', section: '§2.3',
    statement: 'The classifier rows align with the centred class means (self-duality, NC3), and the classifier becomes a nearest-class-mean rule (NC4).',
    sources: [PAPER, S.papyan],
    regime: ['terminal phase', 'weight decay > 0'],
    tests: [
      { experiment: 'neural-collapse', config: 'quick', role: 'test', checks: ['NC3 self-duality improves', 'NC4: classifier → nearest class mean'] },
    ],
  },
  {
    id: 'neural-feature-ansatz', strand: 'laws', section: '§2.3, eq. 3',
    statement: 'The first-layer Gram matrix $W_1^\\top W_1$ of a trained network is proportional to a power of the average gradient outer product of the network with respect to its input, and its top eigenvectors span the target\'s relevant subspace.',
    equation: 'W_1^\\top W_1 \\;\\propto\\; \\Big(\\mathbb{E}_x\\big[\\nabla_x f\\,\\nabla_x f^\\top\\big]\\Big)^{1/2}',
    sources: [PAPER, S.nfa],
    regime: ['feature learning (not the lazy regime: output scale α ~ 1)', 'trained long enough that features moved', 'a low-rank (multi-index) target'],
    reconstructed: 'The paper writes eq. 3 with AGOP to the first power; the correlation metric and the ½ power (Radhakrishnan et al.) are marked reconstructed. The experiment checks the exact identity $(W_1^\\top W_1)^L = $ AGOP on a balanced deep linear network under gradient flow as a planted truth.',
    tests: [
      { experiment: 'feature-ansatz', config: 'quick', role: 'test', checks: [/NFM ∝ AGOP\^\{1\/2\}$/, /span the target subspace$/, /^planted DLN/] },
      { experiment: 'feature-ansatz', config: 'lazy scale α = 100 (features frozen: NFM stays at its init value)', role: 'boundary', checks: [/NFM ∝ AGOP/], note: 'lazy training: the features do not move, so the NFM keeps its init value' },
      { experiment: 'feature-ansatz', config: 'stopped after 2 steps (features barely moved)', role: 'boundary', checks: [/NFM ∝ AGOP/], note: 'two steps: the features have barely moved' },
    ],
  },
  {
    id: 'noether-conservation', strand: 'laws', section: '§2.3',
    statement: 'Each continuous symmetry of the loss (softmax translation, scale before a normalization layer, ReLU rescaling) gives a charge conserved by gradient flow, and exact discrete identities under SGD with weight decay.',
    equation: '\\frac{d}{dt}\\big(\\lVert w_{\\text{in},j}\\rVert^2 - \\lVert w_{\\text{out},j}\\rVert^2\\big) = 0\\quad\\text{(ReLU rescaling)}',
    sources: [PAPER, S.kunin21, S.tanaka21, S.du18],
    regime: ['a memoryless gradient step (SGD or GD, not momentum or Adam)', 'the symmetry exact (LayerNorm with ε = 0)'],
    reconstructed: 'The explicit conserved quantities per symmetry are marked reconstructed in the digest; the experiment derives the discrete identities and checks them to ≤ 1e-15.',
    tests: [
      { experiment: 'conservation-laws', config: 'quick', role: 'test', checks: [/identity/, /under gradient flow/, 'translation charge conserved exactly by GD'] },
      { experiment: 'conservation-laws', config: 'linear hidden activation (smooth flow: RK4 drift O(dt⁴))', role: 'test', checks: [/under gradient flow/] },
      { experiment: 'conservation-laws', config: 'heavy-ball momentum μ = 0.9 (not a memoryless gradient step: the ReLU law breaks)', role: 'boundary', checks: [/identity/], note: 'momentum is not a memoryless gradient step' },
      { experiment: 'conservation-laws', config: 'Adam (per-coordinate scaling breaks every law)', role: 'boundary', checks: [/identity/], note: 'per-coordinate scaling breaks every symmetry law' },
      { experiment: 'conservation-laws', config: 'control: LayerNorm ε = 1e-3 breaks the scale symmetry itself', role: 'control', checks: [/^scale identity/], note: 'ε > 0 breaks the scale symmetry: the scale law must then fail' },
    ],
  },
  {
    id: 'broken-conservation', strand: 'laws', section: '§2.3',
    statement: 'Finite-step GD breaks the gradient-flow charges at order $\\eta$, with a prefactor predicted by the modified flow (the integral of the source along the trajectory); weight decay makes them decay as $e^{-\\lambda t}$ or $e^{-2\\lambda t}$.',
    sources: [S.kunin21, S.barrett],
    regime: ['small η (drift linear in η)', 'a memoryless gradient step (GD, not momentum or Adam)'],
    tests: [
      { experiment: 'conservation-laws', config: 'quick', role: 'test', checks: [/broken by GD at O\(η\)$/, /GD drift prefactor/, /under gradient flow with decay λ/] },
    ],
  },

  {
    id: 'weight-esd-marchenko-pastur', strand: 'laws', section: '§2.3 (coarse statistics of weights; the null of HT-SR, not cited in the paper)',
    statement: 'At a Gaussian initialization the empirical spectral density of each hidden weight matrix, the eigenvalues of $X = W^\\top W/N$, is Marchenko–Pastur, with no eigenvalue beyond the Tracy–Widom edge and no heavy tail.',
    equation: '\\lambda_\\pm = \\sigma^2\\big(1 \\pm Q^{-1/2}\\big)^2,\\qquad Q = N/M \\ge 1',
    sources: [S.marchenkoPastur, S.martinMahoney, S.clauset],
    regime: ['layers with $M \\ge 2\\cdot$minTail eigenvalues (a tail of minTail = 80 must not be most of the spectrum)', 'enough Wishart-bootstrap replicates that the KS p-value can reach the Bonferroni bound familyP/k'],
    tests: [
      { experiment: 'weight-spectra', config: 'quick', role: 'test', checks: ['ESD at init is Marchenko–Pastur', 'no heavy tail at init'] },
      { experiment: 'weight-spectra', config: 'learning rate too large (η = 2: training fails)', role: 'test', checks: ['ESD at init is Marchenko–Pastur', 'no heavy tail at init'], note: 'the init checks are in regime where training fails' },
      { experiment: 'weight-spectra', config: 'narrow layers (width 64: too few eigenvalues for a tail of 80)', role: 'boundary', checks: ['ESD at init is Marchenko–Pastur', 'no heavy tail at init'], note: 'with 64 eigenvalues a tail of 80 cannot be fitted' },
    ],
  },
  {
    id: 'htsr-tail-exponent', strand: 'laws', section: '§2.3 (heavy-tailed self-regularization; not cited in the paper)',
    statement: 'SGD at a large temperature $\\eta/B$ makes the weight spectra heavier-tailed: the Clauset power-law exponent $\\alpha$ of the top eigenvalues of each hidden weight matrix falls below its value at initialization.',
    equation: '\\Delta\\alpha = \\alpha(\\text{trained, large } \\eta/B) - \\alpha(\\text{init}) < 0',
    sources: [S.martinMahoney, S.clauset],
    regime: ['layers with $M \\ge 2\\cdot$minTail eigenvalues', 'at least 3 (seed, layer) pairs for a t-interval', 'both trained regimes lower the full-batch loss below lossRatio × its initial value (training succeeded, no divergence)'],
    tests: [
      { experiment: 'weight-spectra', config: 'quick', role: 'test', checks: [/^tail exponent α decreases under large η\/B/], note: 'only the direction of α is claimed: at these sizes the trained ESD is an MP bulk plus spikes, not a power law' },
      { experiment: 'weight-spectra', config: 'narrow layers (width 64: too few eigenvalues for a tail of 80)', role: 'boundary', checks: [/^tail exponent α decreases/], note: 'too few eigenvalues for a tail exponent' },
      { experiment: 'weight-spectra', config: 'learning rate too large (η = 2: training fails)', role: 'boundary', checks: [/^tail exponent α decreases/], note: 'training fails (dead units, loss near ln 10): there is no trained network to compare' },
    ],
  },

  // ── §2.4 hyperparameters ──
  {
    id: 'modified-flow', strand: 'hyperparameters', section: '§2.4 (footnote 6)',
    statement: 'Gradient descent with step $\\eta$ stays $O(\\eta^2)$ close to the gradient flow of the modified loss $L + (\\eta/4)\\lVert\\nabla L\\rVert^2$, but only $O(\\eta)$ close to plain gradient flow (implicit gradient regularization).',
    equation: '\\tilde L = L + \\frac{\\eta}{4}\\lVert\\nabla L\\rVert^2',
    sources: [PAPER, S.barrett],
    regime: ['$\\eta\\,S$ small (η_max · sharpness ≤ 3), so the expansion in ηS holds'],
    reconstructed: 'The modified loss is marked reconstructed in the digest; the experiment checks the O(η) and O(η²) slopes directly against RK4 flows.',
    tests: [
      { experiment: 'implicit-regularization', config: 'quick', role: 'test', checks: [/^\(a\) /] },
      { experiment: 'implicit-regularization', config: '(a) η so large the expansion in ηS fails (η_max·S > 3)', role: 'boundary', checks: [/^\(a\) /], note: 'η·S > 3: the expansion in ηS fails' },
      { experiment: 'implicit-regularization', config: '(a) control: modified loss with κ = ½ instead of ¼ (still O(η))', role: 'control', checks: ['(a) modified flow is O(η²) from GD'], note: 'the wrong coefficient must give O(η), not O(η²)' },
    ],
  },
  {
    id: 'central-flow', strand: 'hyperparameters', section: '§2.4 (central flows)',
    statement: 'At the edge of stability GD\'s time-averaged trajectory follows a curvature-penalized central flow, which predicts the time-averaged sharpness ($\\eta\\langle S\\rangle \\approx 2$), loss and oscillation variance.',
    equation: '\\frac{d\\theta}{dt} = -\\nabla L(\\theta) - \\tfrac12\\sigma^2(t)\\,\\nabla S(\\theta),\\qquad S(\\theta) \\le 2/\\eta',
    sources: [PAPER, S.centralFlows, S.damian22],
    regime: ['sharpening has reached 2/η (else the central flow is plain gradient flow)', 'sharpening slow compared with the oscillation (η|c| small per step)', 'one unstable direction (k = 1)'],
    reconstructed: 'The single-direction central-flow equation is marked reconstructed in the digest; here it is checked on a planted toy where the GD oscillation can be time-averaged exactly.',
    tests: [
      { experiment: 'implicit-regularization', config: 'quick', role: 'test', checks: [/^\(b\) /] },
      { experiment: 'implicit-regularization', config: '(b) before sharpening reaches 2/η (the flow is plain gradient flow)', role: 'boundary', checks: [/^\(b\) /], note: 'before the edge the central flow reduces to gradient flow' },
      { experiment: 'implicit-regularization', config: '(b) sharpening too fast for the time average (η|c| = 2.5e-3 per step)', role: 'boundary', checks: [/^\(b\) /], note: 'sharpening too fast for a time average over the oscillation' },
    ],
  },
  {
    id: 'adam-edge', strand: 'hyperparameters', section: '§2.4, OD 9',
    statement: 'Under Adam the preconditioned sharpness $\\lambda_{\\max}(P^{-1}H)$ plateaus at $(2+2\\beta_1)/((1-\\beta_1)\\eta)$ — $38/\\eta$ for $\\beta_1 = 0.9$, $2/\\eta$ for RMSProp.',
    equation: '\\lambda_{\\max}(P^{-1}H) \\to \\frac{2 + 2\\beta_1}{(1-\\beta_1)\\,\\eta}',
    sources: [S.adaptiveEos, S.cohen21],
    regime: ['ε small compared with the preconditioner (P ≫ ε)', 'full batch'],
    reconstructed: 'Marked reconstructed in the digest (not in the paper); the experiment measures λ_max(P⁻¹H) by Lanczos on exact HVPs and compares with the threshold.',
    tests: [
      { experiment: 'implicit-regularization', config: 'quick', role: 'test', checks: [/^\(c\) /] },
      { experiment: 'implicit-regularization', config: '(c) RMSProp (β₁ = 0): threshold 2/η', role: 'test', checks: [/^\(c\) /] },
      { experiment: 'implicit-regularization', config: '(c) ε so large that P ≥ ε keeps λ_max(P⁻¹H) below the threshold', role: 'boundary', checks: [/^\(c\) /], note: 'large ε keeps the preconditioned sharpness below the threshold' },
    ],
  },
  {
    id: 'mup-coordinate-check', strand: 'hyperparameters', section: '§2.4',
    statement: 'Under μP (and mean-field) every layer\'s update to its pre-activations is width-independent ($\\propto n^0$); under SP the readout update grows with width, and under NTP the feature updates shrink as $n^{-1/2}$.',
    sources: [PAPER, S.tp4, S.tp5, S.spectral],
    regime: ['widths up to ≥ 512 (asymptotic)', 'at least four widths to fit a slope'],
    tests: [
      { experiment: 'coord-check', config: 'quick', role: 'test', checks: [/ (μP|mean-field) (SGD|Adam): .* update slope, step \d+$/, /SP (SGD|Adam): readout update grows faster than under μP/, /NTP SGD: .* feature update vanishes/] },
      { experiment: 'coord-check', config: 'transformer (μP vs SP, SGD, 1 block, d_ff = n, widths 64…512, 2 steps)', role: 'test', checks: [/ μP SGD: .* update slope, step \d+$/, /SP SGD: readout update grows faster/] },
      { experiment: 'coord-check', config: 'max width 256 (< 512: pre-asymptotic)', role: 'boundary', checks: [/ μP (SGD|Adam): .* update slope/], note: 'widths ≤ 256 are pre-asymptotic' },
      { experiment: 'coord-check', config: 'three widths (< 4 for a slope)', role: 'boundary', checks: [/ μP (SGD|Adam): .* update slope/], note: 'three widths are too few for a slope with an error' },
    ],
  },
  {
    id: 'mup-lr-transfer', strand: 'hyperparameters', section: '§2.4, Fig. 5',
    statement: 'Under μP the loss-optimal learning rate is width-independent (transfer slope $s_\\eta \\approx 0$), and wider is better at the transferred learning rate.',
    equation: '\\log_2 \\eta^*(n) = \\text{const} + s_\\eta \\log_2 n,\\qquad s_\\eta^{\\mu P} = 0',
    sources: [PAPER, S.tp5, S.tp4],
    regime: ['optima inside the learning-rate grid (not on its edge)', 'squared loss, SGD', 'several seeds for the bootstrap interval'],
    tests: [
      { experiment: 'mu-transfer', config: 'quick', role: 'test', checks: ['μP: the loss-optimal learning rate transfers across width', 'μP: wider is better at the transferred learning rate'] },
      { experiment: 'mu-transfer', config: 'cross-entropy loss (SP drift not predicted: out of regime)', role: 'test', checks: ['μP: the loss-optimal learning rate transfers across width', 'μP: wider is better at the transferred learning rate'], note: 'with cross-entropy only the SP drift is unpredicted; μP transfer is still claimed' },
      { experiment: 'mu-transfer', config: 'grid too narrow (optima on the grid edge)', role: 'boundary', checks: ['μP: the loss-optimal learning rate'], note: 'optima on the grid edge are not located' },
    ],
  },
  {
    id: 'sp-lr-drift', strand: 'hyperparameters', section: '§2.4, Fig. 5',
    statement: 'Under standard parameterization with SGD and squared loss the optimal learning rate drifts down as $1/\\text{width}$ ($s_\\eta \\approx -1$).',
    sources: [PAPER, S.tp5],
    regime: ['squared loss (the −1 slope is derived for MSE)', 'optima inside the grid'],
    tests: [
      { experiment: 'mu-transfer', config: 'quick', role: 'test', checks: ['SP: the optimal learning rate drifts as 1/width'] },
      { experiment: 'mu-transfer', config: 'cross-entropy loss (SP drift not predicted: out of regime)', role: 'boundary', checks: ['SP: the optimal learning rate drifts'], note: 'the −1 slope is not predicted for cross-entropy' },
    ],
  },
  {
    id: 'depth-lr-transfer', strand: 'hyperparameters', section: '§2.4',
    statement: 'In a residual network with one-layer branches scaled by $L^{-1/2}$ (Depth-μP) or $L^{-1}$ (CompleteP), with the matching branch learning rate, the optimal learning rate and the one-step update of the residual stream are depth-independent.',
    sources: [PAPER, S.tp6, S.bordelonDepth, S.completeP],
    regime: ['one weight layer per branch', 'normalization before each branch (pre-LN)', 'depths spanning ≥ 8× (2…16)'],
    tests: [
      { experiment: 'depth-transfer', config: 'quick', role: 'test', checks: [/^(?!.*no depth scaling).*optimal LR transfers across depth/, /independent of depth$/] },
      { experiment: 'depth-transfer', config: 'CompleteP (α = 1, SGD branch LR ∝ L)', role: 'test', checks: [/optimal LR transfers across depth/] },
      { experiment: 'depth-transfer', config: 'two weight layers per branch (TP VI block depth 2)', role: 'boundary', checks: [/optimal LR transfers across depth/], note: 'block depth 2: TP VI shows no clean depth limit' },
      { experiment: 'depth-transfer', config: 'no normalization', role: 'boundary', checks: [/optimal LR transfers across depth/], note: 'without normalization the branch statistics are not controlled' },
    ],
  },
  {
    id: 'depth-no-scaling-drift', strand: 'hyperparameters', section: '§2.4',
    statement: 'Without depth scaling the optimal learning rate drifts down with depth, the one-step update of the last block grows $\\propto L$, and the stability edge moves as $1/L$.',
    sources: [S.tp6, S.bordelonDepth],
    regime: ['pre-LN residual MLP with one-layer branches'],
    tests: [
      { experiment: 'depth-transfer', config: 'quick', role: 'test', checks: [/optimal LR drifts down with depth/, /grows ∝ L$/, /stability edge moves as 1\/L/] },
    ],
  },
  {
    id: 'sgd-temperature', strand: 'hyperparameters', section: '§2.4',
    statement: 'SGD is a discretized SDE whose stationary state depends on $(\\eta, B)$ only through the temperature $\\eta/B$ where $\\eta h \\ll 1$; on a noisy quadratic the stationary loss is exactly $(\\eta/2B)\\sum s/(2-\\eta h)$.',
    equation: 'd\\theta = -\\nabla L\\,dt + \\sqrt{\\eta/B}\\;\\Sigma^{1/2}\\,dW_t',
    sources: [PAPER, S.liTaiE, S.mandt],
    regime: ['$\\eta h_{\\max}$ ≪ 1 for the temperature law (the exact discrete value holds for any stable η)'],
    reconstructed: 'The SDE is marked reconstructed in the digest; the experiment compares with the exact stationary loss of the discrete process, which needs no SDE.',
    tests: [
      { experiment: 'sgd-noise', config: 'quick', role: 'test', checks: [/stationary loss = exact discrete value$/, /SDE temperature law$/] },
      { experiment: 'sgd-noise', config: 'η·h_max = 1.6 at η/B = 0.1: temperature law predicted to fail (by the exact factor)', role: 'boundary', checks: [/SDE temperature law$/], note: 'ηh = 1.6: the SDE temperature law fails' },
      { experiment: 'sgd-noise', config: 'η·h_max = 1.6 at η/B = 0.1: temperature law predicted to fail (by the exact factor)', role: 'test', checks: [/stationary loss = exact discrete value$/, /violation of the temperature law = 1\/\(1 − ηh\/2\) factor$/], note: 'where the SDE fails, the exact discrete value still holds and predicts the size of the violation' },
    ],
  },
  {
    id: 'critical-batch-size', strand: 'hyperparameters', section: '§2.4',
    statement: 'Steps and examples to reach a target loss trade off on the hyperbola $(S/S_{\\min}-1)(E/E_{\\min}-1) = 1$, and the critical batch size $E_{\\min}/S_{\\min}$ is close to the gradient noise scale $B_{\\text{simple}} = \\operatorname{tr}\\Sigma/\\lVert G\\rVert^2$.',
    equation: 'B_{\\text{crit}} = \\frac{E_{\\min}}{S_{\\min}} \\approx B_{\\text{simple}} = \\frac{\\operatorname{tr}\\Sigma}{\\lVert G\\rVert^2}',
    sources: [PAPER, S.mccandlish],
    regime: ['SGD (the noise scale is defined in the Euclidean metric)', 'an example budget large enough that every batch size reaches the target'],
    reconstructed: 'The frontier and B_crit ≈ B_noise are marked reconstructed in the digest (only B_simple is read in a source); the experiment fits the hyperbola to measured steps and examples.',
    tests: [
      { experiment: 'sgd-noise', config: 'quick', role: 'test', checks: ['steps–examples trade-off', /^B_crit = E_min\/S_min ≈ B_simple/, /B_simple = closed form/, /estimates of \|G\|² and tr Σ are unbiased$/] },
      { experiment: 'sgd-noise', config: 'Adam: noise scale in another metric', role: 'boundary', checks: [/^B_crit/], note: 'Adam measures noise in another metric' },
      { experiment: 'sgd-noise', config: 'example budget too small: target unreached for small B', role: 'boundary', checks: [/^B_crit|steps–examples/], note: 'the target is not reached at small B' },
    ],
  },
  {
    id: 'linear-scaling-rule', strand: 'hyperparameters', section: '§2.4',
    statement: 'Scaling $\\eta \\propto B$ (and steps $\\propto 1/B$) leaves SGD\'s loss-vs-examples curve unchanged for $B$ well below the critical batch size, and fails above it.',
    sources: [PAPER, S.goyal, S.mccandlish],
    regime: ['B ≤ B_crit/8 for the rule to hold; B ≥ 2 B_crit where it is predicted to fail'],
    tests: [
      { experiment: 'sgd-noise', config: 'quick', role: 'test', checks: ['linear scaling rule holds for B ≤ B_crit/8', 'linear scaling rule fails for B ≥ 2·B_crit'] },
    ],
  },

  {
    id: 'grokking-delay-weight-decay', strand: 'hyperparameters', section: '§2.1 (grokking), §2.4 (weight decay; not in the paper)',
    statement: 'After memorization, decoupled weight decay shrinks the weights until they reach the norm of the generalizing solution, so the grokking delay falls with weight decay as $\\Delta t = t_{\\text{grok}} - t_{\\text{mem}} \\propto 1/(\\eta\\lambda)$.',
    equation: '\\Delta t \\propto (\\eta\\lambda)^{-1}',
    sources: [S.omnigrok, S.lyu24, S.kumar24],
    regime: ['the weight norm falls by ≥ 25 % between $t_{\\text{mem}}$ and $t_{\\text{grok}}$ in every cell (the norm-decay mechanism itself)', 'λ range of the fit ≥ 4×', 'train fraction $0.2 < f < 0.8$; every cell memorizes and groks within the budget'],
    tests: [
      { experiment: 'modular-arithmetic', config: 'weight-decay sweep λ ∈ {0.5, 1}', role: 'test', checks: ['grokking delay decreases with weight decay', 'grokking delay ∝ 1/(ηλ)'], note: 'the delay falls with λ in every seed, but the weight norm does not decay through the delay and λ spans only 2×: the 1/λ law is out of regime here' },
    ],
  },

  // ── §2.5 universality ──
  {
    id: 'representation-convergence', strand: 'universality', section: '§2.5, Fig. 6b',
    statement: 'Networks trained from different seeds converge in representation as they grow: cross-seed similarity (debiased CKA, mutual kNN) increases with width.',
    sources: [PAPER, S.huh, S.kornblith],
    regime: ['trained networks (not at init)', 'at least three seeds per width for pairwise similarity'],
    tests: [
      { experiment: 'representation-similarity', config: 'quick', role: 'test', checks: [/cross-seed similarity increases with width$/] },
      { experiment: 'representation-similarity', config: 'CNN, η ∝ 1/width (slow: ~12 cells)', role: 'test', checks: [/cross-seed similarity increases with width$/] },
      { experiment: 'representation-similarity', config: 'untrained networks (0 steps)', role: 'boundary', checks: [/cross-seed similarity/], note: 'at init the similarity is the kernel\'s, not learned' },
      { experiment: 'representation-similarity', config: 'too few seeds', role: 'boundary', checks: [/cross-seed similarity/], note: 'two seeds give one pair per width' },
    ],
  },
  {
    id: 'features-approach-nngp', strand: 'universality', section: '§2.5 (random-feature explanation)',
    statement: 'The features of wide MLPs approach the analytic NNGP kernel, a law-of-large-numbers explanation of universal representations.',
    sources: [PAPER, S.nngp, S.huh],
    regime: ['wide networks', 'training short enough that the kernel stays near its init value'],
    tests: [
      { experiment: 'representation-similarity', config: 'quick', role: 'test', checks: ['mlp: wide networks approach the NNGP kernel'] },
    ],
  },
];

// ─────────────────────────────── open directions ───────────────────────────────

export interface OpenDirection {
  number: number;
  question: string;
  /** The claims whose verdicts bear on it. */
  claims: string[];
  /** What the lab measures that bears on it. */
  measured: string;
  /** What is still open (and not measured here). */
  open: string;
}

/** The paper's ten open directions (§5), linked to the claims that bear on them. */
export const OPEN_DIRECTIONS: OpenDirection[] = [
  {
    number: 1, question: 'What are simple, solvable models of genuinely deep, nonlinear learning?',
    claims: ['dln-mode-dynamics', 'dln-learning-order', 'eigenlearning', 'ntk-network-is-krr', 'rich-regime', 'lambda-balanced-exact-solution', 'committee-machine-ode', 'information-exponent', 'merged-staircase', 'leap-complexity', 'gromov-analytic-solution'],
    measured: 'The two workhorse solvable models — deep linear networks (nonlinear in parameters, exactly solved from λ-balanced inits) and kernel regression (nonlinear in data) — against GD, and the rich regime of a two-layer ReLU network where neither applies. Slices beyond linearization: the Saad–Solla committee-machine ODEs, single-index escape times set by the information exponent, the merged staircase and its leap, grokked modular addition against Gromov\'s analytic network.',
    open: 'One model class with both nonlinear parameter dynamics and nonlinear function learning; its account of depth, progressive sharpening, normalization, residual streams and attention.',
  },
  {
    number: 2, question: 'What would a theory capable of capturing natural data look like?',
    claims: ['eigenlearning', 'eos-sharpness-plateau', 'neural-feature-ansatz', 'information-exponent', 'leap-complexity'],
    measured: 'Sufficient statistics in solvable cases: the kernel spectrum and target coefficients for KRR; Σ_yx for DLNs; the AGOP for first-layer features; the Hermite (information exponent) and Walsh (leap) structure of a target, which sets the sample complexity of online SGD. Edge of stability on real (MNIST) digits.',
    open: 'Which statistics of natural data enter a predictive theory, whether they change across models and training stages (the Hermite eigenstructure ansatz on real data is not implemented here).',
  },
  {
    number: 3, question: 'Does deep learning implicitly minimize some notion of functional complexity?',
    claims: ['dln-learning-order', 'spectral-bias', 'modified-flow', 'quanta-order', 'merged-staircase', 'modular-fourier-features', 'htsr-tail-exponent'],
    measured: 'Simplicity biases where they are exact: greedy low-rank learning in DLNs, spectral bias along NTK eigendirections, GD\'s implicit gradient-norm penalty, frequency-ordered learning of quanta, degree-ordered (saddle-to-saddle) learning of the staircase; sparse Fourier features after grokking; heavier-tailed weight spectra after hot SGD (self-regularization).',
    open: 'Which complexity (Kolmogorov, circuit, norm) is minimized in general, when exactly, and whether mech-interp features emerge as its solution.',
  },
  {
    number: 4, question: 'How do we formally define the features learned by neural networks?',
    claims: ['rich-regime', 'lazy-limit', 'neural-feature-ansatz', 'nc1-variability-collapse', 'lambda-lazy-rich', 'upstream-not-lazy', 'modular-fourier-features', 'gromov-analytic-solution'],
    measured: 'The lazy/rich notion (weight, feature and NTK change vs α, and exactly vs the layer balance λ of a linear network, where an upstream single neuron is not lazy), the NFA correlation and subspace alignment, last-layer geometry (NC1–NC4), and a case where the features are known in closed form: Fourier neurons of grokked modular addition against Gromov\'s analytic network.',
    open: 'First-principles definitions of features, circuits and mechanisms, and their link to the lazy/rich notion.',
  },
  {
    number: 5, question: 'Are finite neural networks properly understood as approximations to infinite limits?',
    claims: ['ntk-width-convergence', 'mup-coordinate-check', 'depth-lr-transfer', 'modified-flow', 'central-flow', 'discretization-hypothesis', 'committee-machine-finite-n', 'log-normal-jacobian', 'kernel-limit-depth-width'],
    measured: 'Discretization error in three directions: width (NTK deviation ∝ width^{−½}, μP coordinate checks), depth (transfer under 1/√L and 1/L), step size (GD vs gradient flow and the modified and central flows); the rate and reach of a limit fitted with intervals (GD → flow at η¹, empirical → analytic NTK at width^{−½}); finite-N corrections ∝ N^{−½} to the committee-machine ODE; where the width limit stops at finite depth (log-normal Jacobians set by L/n, the kernel only at L/n → 0).',
    open: 'What the limiting continuum system is for rich training at large width and depth together, and how fast real networks approach it.',
  },
  {
    number: 6, question: 'Can we understand and eliminate all hyperparameters?',
    claims: ['mup-lr-transfer', 'sp-lr-drift', 'depth-lr-transfer', 'sgd-temperature', 'linear-scaling-rule', 'critical-batch-size', 'lambda-lazy-rich', 'grokking-delay-weight-decay'],
    measured: 'Width and depth removed by μP and depth-μP/CompleteP; (η, B) reduced to η/B below the critical batch size; B_crit predicted by the noise scale; the layer balance λ as the one knob between lazy and rich; weight decay against the grokking delay (its 1/λ law untested here: the weight norm does not decay through the delay).',
    open: 'Whether any hyperparameters are irreducible; the O(1) prefactors μP leaves open; schedules, Adam\'s β and ε.',
  },
  {
    number: 7, question: 'Can we predict scaling law exponents a priori?',
    claims: ['quanta-exponents', 'scaling-law-fit', 'eigenlearning', 'information-exponent', 'leap-complexity'],
    measured: 'The fitting machinery (recovering a planted floor, exponents stable, held-out predictions), the quanta model\'s predicted exponents, eigenlearning curves that become power laws under power-law spectra, and sample-complexity exponents predicted a priori from a target\'s structure (d^{k−1} from the information exponent, d^{max(Leap−1, 1)} from the leap).',
    open: 'First-principles exponents for real data, architectures and optimizers; the quanta exponents at a scale with a decade of learned tasks.',
  },
  {
    number: 8, question: 'How does loss curvature interplay with architecture, features, and generalization?',
    claims: ['eos-sharpness-plateau', 'eos-nonmonotone-loss', 'quadratic-stability', 'catapult', 'central-flow'],
    measured: 'Progressive sharpening to 2/η, the catapult, the stability threshold on quadratics, and the central flow\'s time-averaged prediction.',
    open: 'Why curvature rises without regularization (architecture or data?), how curvature regularization shapes features, and why it sometimes helps generalization.',
  },
  {
    number: 9, question: 'What makes for a good optimizer in deep learning?',
    claims: ['adam-edge', 'noether-conservation', 'critical-batch-size'],
    measured: 'Adam\'s preconditioned edge of stability, which symmetry laws Adam and momentum break, and where the SGD noise scale stops describing Adam.',
    open: 'Why Adam and Muon beat SGD on language models; how preconditioning interacts with architecture; principles that predict an optimizer\'s failure.',
  },
  {
    number: 10, question: 'In what sense do large models trained differently learn similar representations?',
    claims: ['representation-convergence', 'features-approach-nngp', 'nc2-simplex-etf'],
    measured: 'Cross-seed similarity vs width under several metrics (debiased CKA, mutual kNN, SVCCA, Procrustes) with where they disagree, and the approach to the NNGP kernel.',
    open: 'Which metrics are stable across training regimes, the right metric, and the representation universality classes across architectures and data.',
  },
];
