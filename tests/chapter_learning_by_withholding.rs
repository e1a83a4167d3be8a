//! Chapter "Learning by withholding information": the synthetic language's exact
//! probabilities, the two withholding objectives against closed forms and enumeration,
//! and the chapter's experiment at quick scale.

use destroy_then_generate::learning_by_withholding::exercises::*;
use destroy_then_generate::learning_by_withholding::*;
use destroy_then_generate::report::{Outcome, Scale};
use destroy_then_generate::sampling::seeded_rng;

/// A deliberately inconsistent guesser on short sentences: logits from fixed,
/// position-dependent numbers plus a pull from each visible neighbour. Its conditionals
/// come from no single joint distribution, so the bound is strictly above the mixture.
struct Quirky;

impl Guesser for Quirky {
    fn guess(&self, batch: &[Partial]) -> Vec<Vec<Vec<f64>>> {
        batch
            .iter()
            .map(|p| {
                (0..p.len())
                    .map(|i| {
                        let logits: Vec<f64> = (0..6)
                            .map(|v| {
                                let mut l = ((3 * i + 5 * v) % 7) as f64 * 0.3;
                                for (j, x) in p.iter().enumerate() {
                                    if let Some(x) = x {
                                        if j != i {
                                            let d = (i as f64 - j as f64).abs();
                                            l += ((x + 2 * v) % 5) as f64 * 0.4 / d;
                                        }
                                    }
                                }
                                l
                            })
                            .collect();
                        let z: f64 = logits.iter().map(|l| l.exp()).sum();
                        logits.iter().map(|l| l.exp() / z).collect()
                    })
                    .collect()
            })
            .collect()
    }
}

/// Every permutation of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for k in 0..=p.len() {
            let mut q = p.clone();
            q.insert(k, n - 1);
            out.push(q);
        }
    }
    out
}

/// `−log q(x)` decoding in `order`: one guess per step, brute force.
fn order_cost(guesser: &impl Guesser, sentence: &[usize], order: &[usize]) -> f64 {
    let mut partial: Partial = vec![None; sentence.len()];
    let mut cost = 0.0;
    for &i in order {
        cost -= guesser.guess(&[partial.clone()])[0][i][sentence[i]].ln();
        partial[i] = Some(sentence[i]);
    }
    cost
}

/// `p(x)` by brute force: the sum over every hidden path of its joint probability (no
/// forward algorithm, no rescaling).
fn prob_by_hidden_paths(language: &Language, sentence: &[usize]) -> f64 {
    let h = language.hidden_states();
    let paths = h.pow(sentence.len() as u32);
    (0..paths)
        .map(|mut code| {
            let mut path = Vec::new();
            for _ in 0..sentence.len() {
                path.push(code % h);
                code /= h;
            }
            let mut p = language.initial[path[0]] * language.emission[path[0]][sentence[0]];
            for t in 1..sentence.len() {
                p *= language.transition[path[t - 1]][path[t]]
                    * language.emission[path[t]][sentence[t]];
            }
            p
        })
        .sum()
}

#[test]
fn the_language_probabilities_sum_to_one_and_match_hidden_path_sums() {
    let language = Language::chapter_language();
    assert_eq!(language.vocab(), 6);
    for length in 1..=5 {
        let all = language.all_sentences(length);
        assert_eq!(all.len(), 6usize.pow(length as u32));
        let total: f64 = all.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-12, "length {length}: {total}");
    }
    // Forward algorithm against the brute-force sum over 6^5 hidden paths.
    let mut rng = seeded_rng(11);
    for _ in 0..20 {
        let s = language.sample(5, &mut rng);
        let exact = prob_by_hidden_paths(&language, &s).ln();
        assert!((language.log_prob(&s) - exact).abs() < 1e-10, "{s:?}");
    }
    // Enumeration's probabilities are the forward algorithm's.
    for (s, p) in language.all_sentences(3).iter().step_by(17) {
        assert!((p.ln() - language.log_prob(s)).abs() < 1e-12);
    }
}

#[test]
fn the_exact_next_token_probabilities_chain_to_the_sentence_probability() {
    let language = Language::chapter_language();
    let mut rng = seeded_rng(5);
    for _ in 0..10 {
        let s = language.sample(9, &mut rng);
        let chained: f64 = (0..s.len())
            .map(|t| language.next_token_probabilities(&s[..t])[s[t]].ln())
            .sum();
        assert!((chained - language.log_prob(&s)).abs() < 1e-10);
    }
}

#[test]
fn the_topic_creates_long_range_dependence() {
    // The first and last of 8 tokens are dependent: p(x_1, x_8) ≠ p(x_1) p(x_8).
    let language = Language::chapter_language();
    let v = language.vocab();
    let mut joint = vec![vec![0.0; v]; v];
    language.visit_all(8, &mut |s, p| joint[s[0]][s[7]] += p);
    let first: Vec<f64> = joint.iter().map(|r| r.iter().sum()).collect();
    let last: Vec<f64> = (0..v).map(|j| joint.iter().map(|r| r[j]).sum()).collect();
    let mutual_information: f64 = (0..v)
        .flat_map(|i| (0..v).map(move |j| (i, j)))
        .map(|(i, j)| joint[i][j] * (joint[i][j] / (first[i] * last[j])).ln())
        .sum();
    // 0.20 nats by the transfer-matrix closed form (a check in Python, not this crate).
    assert!(mutual_information > 0.15, "{mutual_information}");
}

#[test]
fn the_entropy_floor_matches_a_direct_sum_and_monte_carlo() {
    let language = Language::chapter_language();
    let direct: f64 = -language
        .all_sentences(4)
        .iter()
        .map(|(_, p)| p * p.ln())
        .sum::<f64>()
        / 4.0;
    assert!((language.entropy_per_token(4) - direct).abs() < 1e-12);
    // 1.4404 nats at length 5, from an independent Python enumeration.
    assert!((language.entropy_per_token(5) - 1.4404).abs() < 1e-4);
    // Below log(6): the language has structure.
    assert!(direct < 6f64.ln() - 0.1);
    // Monte Carlo of −log p(x)/L with exact log p, within 4 standard errors.
    let mut rng = seeded_rng(8);
    let n = 20_000;
    let values: Vec<f64> = (0..n)
        .map(|_| -language.log_prob(&language.sample(6, &mut rng)) / 6.0)
        .collect();
    let mean = values.iter().sum::<f64>() / n as f64;
    let se = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64 / n as f64).sqrt();
    let exact = language.entropy_per_token(6);
    assert!((mean - exact).abs() < 4.0 * se, "{mean} ± {se} vs {exact}");
}

#[test]
#[should_panic(expected = "cannot enumerate")]
fn too_large_enumerations_are_refused_with_a_message() {
    Language::chapter_language().all_sentences(12);
}

#[test]
fn the_exact_conditionals_match_enumeration() {
    // p(x_i = v | visible) by summing the enumerated joint, against forward-backward.
    let language = Language::chapter_language();
    let all = language.all_sentences(5);
    let partial: Partial = vec![Some(2), None, None, Some(4), None];
    let exact = language.conditionals(&partial);
    for i in 0..5 {
        let mut row = [0.0; 6];
        for (s, p) in &all {
            if partial
                .iter()
                .zip(s)
                .enumerate()
                .all(|(j, (v, x))| j == i || v.is_none_or(|v| v == *x))
            {
                row[s[i]] += p;
            }
        }
        let total: f64 = row.iter().sum();
        for v in 0..6 {
            assert!(
                (exact[i][v] - row[v] / total).abs() < 1e-12,
                "position {i}, token {v}"
            );
        }
    }
}

#[test]
fn with_exact_guesses_every_reading_gives_the_exact_likelihood() {
    // The ideal guesser is consistent: every order gives log p(x), so the any-order bound
    // is tight and equals the mixture and the left-to-right reading.
    let language = Language::chapter_language();
    let mut rng = seeded_rng(2);
    for _ in 0..5 {
        let s = language.sample(6, &mut rng);
        let exact = -language.log_prob(&s);
        let a = any_order(&language, &s);
        assert!((left_to_right_nll(&language, &s) - exact).abs() < 1e-10);
        assert!((a.bound - exact).abs() < 1e-10, "{} vs {exact}", a.bound);
        assert!((a.mixture - exact).abs() < 1e-10);
    }
}

#[test]
fn the_any_order_numbers_match_brute_force_over_orders() {
    let s = [3, 0, 5, 2];
    let costs: Vec<f64> = permutations(4)
        .iter()
        .map(|o| order_cost(&Quirky, &s, o))
        .collect();
    assert_eq!(costs.len(), 24);
    let bound = costs.iter().sum::<f64>() / 24.0;
    let mixture = -(costs.iter().map(|c| (-c).exp()).sum::<f64>() / 24.0).ln();
    let a = any_order(&Quirky, &s);
    assert!((a.bound - bound).abs() < 1e-10, "{} vs {bound}", a.bound);
    assert!((a.mixture - mixture).abs() < 1e-10);
    assert!(
        a.bound > a.mixture + 1e-3,
        "Jensen's gap must be visible here"
    );
    // Left to right is the identity order.
    assert!(
        (left_to_right_nll(&Quirky, &s)
            - costs[permutations(4)
                .iter()
                .position(|o| o == &[0, 1, 2, 3])
                .unwrap()])
        .abs()
            < 1e-10
    );
    // The estimate with every withheld set is the exact bound.
    let every: Vec<usize> = (0..15).collect();
    assert!((any_order_bound_estimate(&Quirky, &s, &every) - a.bound).abs() < 1e-10);
}

#[test]
fn the_order_mixture_is_normalised_and_the_bound_sits_above_the_entropy() {
    // Σ_x q_mix(x) = 1 over all 6^4 sentences, and E_p[bound] ≥ E_p[−log q_mix] ≥ H(p).
    let language = Language::chapter_language();
    let (mut mass, mut bound, mut cross, mut entropy) = (0.0, 0.0, 0.0, 0.0);
    for (s, p) in language.all_sentences(4) {
        let a = any_order(&Quirky, &s);
        mass += (-a.mixture).exp();
        bound += p * a.bound;
        cross += p * a.mixture;
        entropy -= p * p.ln();
    }
    assert!((mass - 1.0).abs() < 1e-10, "{mass}");
    assert!(
        bound > cross && cross > entropy,
        "{bound} {cross} {entropy}"
    );
}

#[test]
fn an_untrained_uniform_network_costs_log_vocab_per_token() {
    let net = GuessModel::uniform(0);
    let s = Language::chapter_language().sample(LENGTH, &mut seeded_rng(1));
    let expected = LENGTH as f64 * (VOCAB as f64).ln();
    // The network computes in f32.
    assert!((left_to_right_nll(&net, &s) - expected).abs() < 1e-5);
    let a = any_order(&net, &s);
    assert!((a.bound - expected).abs() < 1e-5 && (a.mixture - expected).abs() < 1e-5);
    // A fresh network tells `[MASK]` apart from every token.
    let fresh = GuessModel::new(0);
    for token in 0..VOCAB {
        let guesses = fresh.guess(&[vec![None; LENGTH], vec![Some(token); LENGTH]]);
        assert_ne!(guesses[0], guesses[1], "[MASK] reads as token {token}");
    }
    // Same network, same size for both schemes.
    assert_eq!(parameter_count(), 30_000);
}

#[test]
fn the_training_examples_estimate_the_per_token_objectives() {
    // E[Σ_i w_i (−log p(x_i | partial))] with the exact guesser: the NLL per token for
    // NextToken and the any-order bound per token for RandomMask (both log p(x) / L).
    let language = Language::chapter_language();
    let s = vec![1, 2, 2, 4, 3, 0];
    let target = -language.log_prob(&s) / 6.0;
    let mut rng = seeded_rng(9);
    for w in Withholding::BOTH {
        let n = 4_000;
        let values: Vec<f64> = (0..n)
            .map(|_| {
                let (partial, weights) = w.example(&s, &mut rng);
                // What is guessed is withheld; what is shown is the sentence itself.
                for i in 0..6 {
                    assert!(
                        weights[i] == 0.0 || partial[i].is_none(),
                        "{w:?}: {partial:?}"
                    );
                    assert!(partial[i].is_none_or(|x| x == s[i]));
                }
                if w == Withholding::NextToken {
                    let k = weights.iter().position(|&x| x > 0.0).unwrap();
                    assert!(partial
                        .iter()
                        .enumerate()
                        .all(|(i, x)| x.is_some() == (i < k)));
                }
                assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                let g = language.conditionals(&partial);
                (0..6).map(|i| -weights[i] * g[i][s[i]].ln()).sum()
            })
            .collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let se =
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64 / n as f64).sqrt();
        assert!(
            (mean - target).abs() < 4.0 * se + 1e-12,
            "{w:?}: {mean} ± {se} vs {target}"
        );
    }
}

#[test]
fn the_rule_reads_the_paired_differences() {
    assert_eq!(standing(-0.05, 0.01), "ahead");
    assert_eq!(standing(0.05, 0.01), "behind");
    assert_eq!(standing(-0.015, 0.01), "tied");
    assert_eq!(standing(f64::NAN, 0.0), "tied");
    let size = |masked_is| SizeSummary {
        size: 1,
        epochs: 1.0,
        autoregressive: 0.0,
        autoregressive_se: 0.0,
        masked_bound: 0.0,
        masked_bound_se: 0.0,
        masked_order_mixture: 0.0,
        masked_left_to_right: 0.0,
        difference: 0.0,
        difference_se: 0.0,
        masked_is,
        final_autoregressive: 0.0,
        final_masked_bound: 0.0,
        final_difference: 0.0,
        final_difference_se: 0.0,
    };
    assert_eq!(
        outcome(&[size("ahead"), size("tied"), size("behind")]),
        Outcome::Reproduced
    );
    assert_eq!(outcome(&[size("ahead"), size("ahead")]), Outcome::Partly);
    assert_eq!(outcome(&[size("tied"), size("behind")]), Outcome::Partly);
    assert_eq!(
        outcome(&[size("behind"), size("ahead")]),
        Outcome::NotReproduced
    );
}

#[test]
fn exercise_solutions_hold() {
    // 1: the uniform guesser.
    let u = UniformGuesser { vocab: 6 };
    let s = [4, 4, 1, 0, 5];
    let expected = 5.0 * 6f64.ln();
    let a = any_order(&u, &s);
    assert!((left_to_right_nll(&u, &s) - expected).abs() < 1e-12);
    assert!((a.bound - expected).abs() < 1e-12 && (a.mixture - expected).abs() < 1e-12);
    // 2: two tokens by hand, against the general routine.
    let s = [2, 5];
    let g = |p: Partial| Quirky.guess(&[p])[0].clone();
    let (bound, mixture) = two_token_bound_and_mixture(
        g(vec![None, None])[0][2],
        g(vec![Some(2), None])[1][5],
        g(vec![None, None])[1][5],
        g(vec![None, Some(5)])[0][2],
    );
    let a = any_order(&Quirky, &s);
    assert!((a.bound - bound).abs() < 1e-12 && (a.mixture - mixture).abs() < 1e-12);
    // The gap is log(AM/GM) of the two orders' joints: zero when they agree (0.5 × 0.4 =
    // 0.25 × 0.8), log(0.25/0.2) when they are 0.1 and 0.4.
    let (bound, mixture) = two_token_bound_and_mixture(0.5, 0.4, 0.25, 0.8);
    assert!((bound - mixture).abs() < 1e-12);
    let (bound, mixture) = two_token_bound_and_mixture(0.5, 0.2, 0.5, 0.8);
    assert!((bound - mixture - (0.25f64 / 0.2).ln()).abs() < 1e-12);
    // 3: distinct views, counted from the schemes' own samplers.
    let sentence = [0, 1, 2, 3, 4, 5];
    let mut rng = seeded_rng(4);
    let (ar, md, guesses) = distinct_views(6);
    for (w, expected) in [(Withholding::NextToken, ar), (Withholding::RandomMask, md)] {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            seen.insert(w.example(&sentence, &mut rng).0);
        }
        assert_eq!(seen.len(), expected, "{w:?}");
    }
    let counted: usize = (1..64usize).map(|r| r.count_ones() as usize).sum();
    assert_eq!(guesses, counted);
}

#[test]
fn the_chapter_experiment_runs_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    assert_eq!(results.sizes.len(), 4);
    assert!(results.budget.sizes[3] >= 100 * results.budget.sizes[0]);
    // Entropy per token at length 8; the floor sits below log 6.
    assert!(
        (results.entropy_per_token - Language::chapter_language().entropy_per_token(8)).abs()
            < 1e-12
    );
    for r in &results.runs {
        assert!(r.diverged_at.is_none(), "{r:?}");
        assert!(
            r.test_nll.is_finite() && r.test_nll < 2.0,
            "{:?} {}: {}",
            r.withholding,
            r.size,
            r.test_nll
        );
        if let Some(m) = r.test_order_mixture {
            // Jensen: the order mixture never costs more than the bound.
            assert!(m <= r.test_nll + 1e-9);
        }
    }
    // Training on more unique sentences helps both schemes.
    let (first, last) = (&results.sizes[0], &results.sizes[3]);
    assert!(last.autoregressive < first.autoregressive - 0.1);
    assert!(last.masked_bound < first.masked_bound - 0.1);
    // The verdict is the rule applied to the table.
    assert_eq!(results.outcome, outcome(&results.sizes));
}
