//! Chapter "Exploration": reward as conditioning, GRPO's ratio orders and entropic
//! transport, against exact oracles (enumeration, closed forms), and the chapter's
//! verdicts at quick scale.

use destroy_then_generate::exploration::conditioning::*;
use destroy_then_generate::exploration::exercises::*;
use destroy_then_generate::exploration::grpo::*;
use destroy_then_generate::exploration::masked_model::*;
use destroy_then_generate::exploration::transport::*;
use destroy_then_generate::exploration::*;
use destroy_then_generate::learning_by_withholding::Language;
use destroy_then_generate::report::Scale;
use destroy_then_generate::sampling::seeded_rng;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn sinkhorn_matches_the_two_point_closed_form_and_its_marginals() {
    // Costs with Δ = C11 + C22 − C12 − C21 = 0.1 + 0.3 − 0.9 − 0.7 = −1.2.
    let cost = vec![vec![0.1, 0.9], vec![0.7, 0.3]];
    let half = [0.5, 0.5];
    for epsilon in [2.0, 0.5, 0.2, 0.1] {
        let s = sinkhorn(&half, &half, &cost, epsilon);
        assert!(
            s.marginal_error < SINKHORN_TOLERANCE,
            "ε = {epsilon}: {s:?}"
        );
        let p = two_point_entropic_mass(-1.2, epsilon);
        assert!(
            close(s.plan[0][0], p, 1e-9),
            "ε = {epsilon}: {} vs {p}",
            s.plan[0][0]
        );
        assert!(close(s.plan[0][1], 0.5 - p, 1e-9));
    }
    // Non-uniform marginals: both are met.
    let (a, b) = ([0.2, 0.5, 0.3], [0.6, 0.1, 0.3]);
    let cost = vec![
        vec![0.0, 1.0, 4.0],
        vec![1.0, 0.0, 1.0],
        vec![4.0, 1.0, 0.0],
    ];
    let s = sinkhorn(&a, &b, &cost, 0.3);
    for (got, want) in source_marginal(&s.plan).iter().zip(a) {
        assert!(close(*got, want, 1e-9));
    }
    for (got, want) in target_marginal(&s.plan).iter().zip(b) {
        assert!(close(*got, want, 1e-9));
    }
}

#[test]
fn small_regularisers_recover_the_exact_plan_and_large_ones_the_independent_one() {
    // On the line with a convex cost, the monotone (north-west corner) plan is optimal,
    // for any marginals: an oracle independent of the permutation enumeration.
    let xs = [-1.0, 0.2, 0.5, 2.0];
    let ys = [-0.5, 0.0, 1.5];
    let (a, b) = ([0.1, 0.4, 0.2, 0.3], [0.35, 0.25, 0.4]);
    let cost: Vec<Vec<f64>> = xs
        .iter()
        .map(|x| ys.iter().map(|y| (x - y) * (x - y)).collect())
        .collect();
    let monotone = monotone_plan(&a, &b);
    // north-west corner by hand: 0.1→y0; 0.25 of x1→y0, 0.15→y1; 0.1 of x2→y1, 0.1→y2; 0.3→y2.
    let by_hand = [
        [0.1, 0.0, 0.0],
        [0.25, 0.15, 0.0],
        [0.0, 0.1, 0.1],
        [0.0, 0.0, 0.3],
    ];
    for (row, want) in monotone.iter().zip(by_hand) {
        for (m, w) in row.iter().zip(want) {
            assert!(close(*m, w, 1e-12), "{monotone:?}");
        }
    }
    let tight = sinkhorn(&a, &b, &cost, 2e-3);
    assert!(
        plan_distance(&tight.plan, &monotone) < 1e-3,
        "{:?}",
        tight.plan
    );
    assert!(close(
        plan_cost(&tight.plan, &cost),
        plan_cost(&monotone, &cost),
        1e-3
    ));
    // Uniform marginals on the line: the best permutation is the sorted matching.
    let u = [0.3, -1.2, 0.9, 0.0, 2.2];
    let v = [1.0, -0.4, 0.6, 3.0, -2.0];
    let c: Vec<Vec<f64>> = u
        .iter()
        .map(|x| v.iter().map(|y| (x - y) * (x - y)).collect())
        .collect();
    let (perm, best) = optimal_permutation(&c);
    // sorted u: −1.2(1), 0(3), 0.3(0), 0.9(2), 2.2(4); sorted v: −2(4), −0.4(1), 0.6(2), 1(0), 3(3)
    assert_eq!(perm, vec![2, 4, 0, 1, 3]);
    let sorted_cost =
        (0.8f64.powi(2) + 0.8f64.powi(2) + 0.3f64.powi(2) + 0.4f64.powi(2) + 0.1f64.powi(2)) / 5.0;
    assert!(close(best, sorted_cost, 1e-12), "{best} vs {sorted_cost}");
    // ε → ∞: the plan becomes a bᵀ, which keeps no information and destroys H(b).
    let loose = sinkhorn(&a, &b, &cost, 1e6);
    assert!(information_kept(&loose.plan) < 1e-6);
    assert!(close(information_destroyed(&loose.plan), entropy(b), 1e-6));
}

#[test]
fn a_bijection_destroys_nothing_and_a_many_to_one_map_destroys_nothing_forwards() {
    let a = [0.1, 0.2, 0.3, 0.4];
    let bijection = plan_of_map(&a, &[2, 0, 3, 1], 4);
    assert!(information_destroyed(&bijection).abs() < 1e-15);
    assert!(close(information_kept(&bijection), entropy(a), 1e-12));
    // Mash 0 and 1 together: nothing is splatted forwards, but information is lost:
    // I(X; Y) = H(Y) = H(0.3, 0.3, 0.4) < H(X).
    let mash = plan_of_map(&a, &[0, 0, 1, 2], 3);
    assert!(information_destroyed(&mash).abs() < 1e-15);
    assert!(close(
        information_kept(&mash),
        entropy([0.3, 0.3, 0.4]),
        1e-12
    ));
}

#[test]
fn the_language_and_the_condition_match_an_independent_hidden_markov_computation() {
    let language = Language::chapter_language();
    let p = language_distribution(&language);
    assert!(close(p.iter().sum(), 1.0, 1e-12));
    // p(x_1 = x_L) = Σ_v Σ_{h,h'} π(h) e(v|h) T^(L−1)(h, h') e(v|h'), by matrix powers.
    let h = language.hidden_states();
    let mut power: Vec<Vec<f64>> = (0..h)
        .map(|i| (0..h).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..LENGTH - 1 {
        power = (0..h)
            .map(|i| {
                (0..h)
                    .map(|j| {
                        (0..h)
                            .map(|k| power[i][k] * language.transition[k][j])
                            .sum()
                    })
                    .collect()
            })
            .collect();
    }
    let mut oracle = 0.0;
    for v in 0..VOCAB {
        for (i, row) in power.iter().enumerate() {
            for (j, t) in row.iter().enumerate() {
                oracle +=
                    language.initial[i] * language.emission[i][v] * t * language.emission[j][v];
            }
        }
    }
    let (restricted, pass) = conditional(&p);
    assert!(close(pass, oracle, 1e-12), "{pass} vs {oracle}");
    assert!(close(restricted.iter().sum(), 1.0, 1e-12));
    // Conditioning leaves ratios alone: p(x|c)/p(y|c) = p(x)/p(y) for passing x, y.
    let (x, y) = (
        sentence_index(&[1, 2, 4, 0, 1]),
        sentence_index(&[5, 5, 0, 3, 5]),
    );
    assert!(close(restricted[x] / restricted[y], p[x] / p[y], 1e-9));
    assert_eq!(restricted[sentence_index(&[1, 2, 4, 0, 2])], 0.0);
}

#[test]
fn the_tilted_target_is_the_optimum_of_the_penalised_objective() {
    let p = language_distribution(&Language::chapter_language());
    let beta = 0.4;
    let target = tilted(&p, beta);
    let (_, pass) = conditional(&p);
    // Exercise 2's closed form for its pass rate.
    assert!(close(
        conditional(&target).1,
        tilted_pass_rate(pass, beta),
        1e-12
    ));
    // J(q) = E_q R − β KL(q ‖ p) = β log Z − β KL(q ‖ q*), for any q (here: p itself
    // and the conditional), with Z = 1 − p(c) + p(c) e^{1/β}.
    let log_z = (1.0 - pass + pass * (1.0 / beta).exp()).ln();
    for q in [p.clone(), conditional(&p).0] {
        let value = conditional(&q).1 - beta * kl_divergence(&q, &p);
        assert!(close(
            value,
            beta * log_z - beta * kl_divergence(&q, &target),
            1e-9
        ));
    }
    // β → 0: the tilt becomes conditioning.
    assert!(total_variation(&tilted(&p, 0.01), &conditional(&p).0) < 1e-30f64.max(1e-12));
}

#[test]
fn the_order_averaged_distribution_is_exact() {
    let model = MaskedModel::untrained(5);
    let q = model.exact_distribution();
    assert!(
        close(q.iter().sum(), 1.0, 1e-9),
        "{}",
        q.iter().sum::<f64>()
    );
    // The dynamic programme against brute force over all 120 orders (exercise 3).
    for x in [[0, 1, 2, 3, 4], [5, 5, 0, 0, 5], [3, 1, 4, 1, 5]] {
        let brute = order_averaged_probability(&model, &x);
        assert!(
            close(
                q[sentence_index(&x)],
                brute,
                1e-12 * brute.max(1e-300) + 1e-15
            ),
            "{x:?}"
        );
        assert!((q[sentence_index(&x)] / brute - 1.0).abs() < 1e-9);
    }
    // Generation samples exactly that distribution: the pass rate of 20 000 draws.
    let mut rng = seeded_rng(9);
    let draws = model.generate(20_000, &mut rng);
    let rate = draws.iter().filter(|(x, _)| condition(x)).count() as f64 / draws.len() as f64;
    let (_, exact) = conditional(&q);
    let se = (exact * (1.0 - exact) / draws.len() as f64).sqrt();
    assert!((rate - exact).abs() < 4.5 * se, "{rate} vs {exact} ± {se}");
}

#[test]
fn grpo_pieces_match_their_formulas() {
    // One success in a group of four: A = (1 − ¼)/(√3/4) = √3, the others −1/√3.
    let a = group_advantages(&[1.0, 0.0, 0.0, 0.0]);
    assert!(close(a[0], 3f64.sqrt(), 1e-6) && close(a[1], -1.0 / 3f64.sqrt(), 1e-6));
    assert!(group_advantages(&[1.0, 1.0, 1.0]).iter().all(|&v| v == 0.0));
    // Clipping zeroes the gradient only past the clip in the advantage's direction.
    assert_eq!(clipped_weight(1.3, 2.0, 0.2), 0.0);
    assert_eq!(clipped_weight(1.3, -2.0, 0.2), -2.6);
    assert_eq!(clipped_weight(0.7, -2.0, 0.2), 0.0);
    assert_eq!(clipped_weight(0.7, 2.0, 0.2), 1.4);
    assert_eq!(clipped_weight(1.1, 2.0, 0.2), 2.2);
    // The penalty's weight is −β d k₃ / d log q_θ, by finite differences.
    let k3 = |l: f64, l0: f64| (l0 - l).exp() - (l0 - l) - 1.0;
    let (l, l0, beta, h) = (-1.3, -0.8, 0.25, 1e-6);
    let derivative = (k3(l + h, l0) - k3(l - h, l0)) / (2.0 * h);
    assert!(close(kl_weight(l, l0, beta), -beta * derivative, 1e-8));
    // Every order scores each position once; the decoding order's contexts reveal exactly
    // the earlier positions; the complementary pair's context masks the scored position.
    let x = [3, 0, 5, 5, 1];
    let decoded = [2, 4, 0, 3, 1];
    let mut rng = seeded_rng(1);
    for order in RatioOrder::ALL {
        let tokens = scored_tokens(&x, &decoded, order, &mut rng);
        let mut positions: Vec<usize> = tokens.iter().map(|t| t.1).collect();
        positions.sort();
        assert_eq!(positions, vec![0, 1, 2, 3, 4]);
        for (context, i, v) in &tokens {
            assert_eq!(context[*i], None);
            assert_eq!(*v, x[*i]);
            assert!(context
                .iter()
                .enumerate()
                .all(|(j, w)| w.is_none() || *w == Some(x[j])));
        }
        if order == RatioOrder::DecodingOrder {
            for (k, (context, i, _)) in tokens.iter().enumerate() {
                assert_eq!(*i, decoded[k]);
                assert_eq!(context.iter().filter(|w| w.is_some()).count(), k);
            }
        }
    }
}

#[test]
fn exercise_solutions_hold() {
    // 1: the closed form is a plan with the right marginals and the Gibbs cross-ratio.
    let (delta, epsilon) = (0.7, 0.3);
    let p = two_point_entropic_mass(delta, epsilon);
    assert!(close(
        (p / (0.5 - p)).powi(2),
        (-delta / epsilon).exp(),
        1e-12
    ));
    // 2: limits of the tilted pass rate.
    assert!(close(tilted_pass_rate(0.2, 1e9), 0.2, 1e-6));
    assert!(close(tilted_pass_rate(0.2, 0.02), 1.0, 1e-12));
    // 3: is tested against the dynamic programme in the_order_averaged_distribution_is_exact.
}

#[test]
fn the_chapter_verdicts_hold_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    let verdicts = verdicts(&results);
    // The exact statements must hold at any scale.
    for v in &verdicts[..4] {
        assert!(v.holds, "{v:?}");
    }
    // The decoding-order verdict is computed, whatever it is; every order learns.
    let d = &results.decoding_order;
    for o in &d.orders {
        assert_eq!(o.diverged_runs, 0);
        assert!(
            o.reward.mean > d.reference.base_reward + 0.3,
            "{}: {:?}",
            o.label,
            o.reward
        );
        assert!(
            o.kl_to_tilted.mean < d.reference.base_kl_to_tilted,
            "{}",
            o.label
        );
    }
    // The verdict row reads the rule only when (a) and (b) have converged.
    let row = &verdicts[4];
    if decoding_order_converged(&results) {
        assert!(
            ["supported", "not supported"].contains(&row.word),
            "{row:?}"
        );
    } else {
        assert_eq!(row.word, "not decided: not converged");
        assert!(!row.holds);
    }
    let c = &results.conditioning;
    assert!(c.filtered_sentences > 0 && c.rejection_tv < 0.5);
    // Same seed, same numbers.
    let again = run(Scale::Quick, 0);
    assert_eq!(
        serde_json::to_string(&again.decoding_order.orders[1].runs).unwrap(),
        serde_json::to_string(&results.decoding_order.orders[1].runs).unwrap()
    );
}

#[test]
fn the_decoding_order_rule_reads_as_written() {
    let paired = |mean: f64, se: f64| Paired {
        difference: MeanSe { mean, se },
    };
    let (up, flat, down) = (paired(0.03, 0.01), paired(0.01, 0.01), paired(-0.03, 0.01));
    // Higher reward, KL not larger beyond the margin: supported.
    assert!(decoding_order_supported(&up, &flat));
    // Smaller KL (closer), reward not lower: supported.
    assert!(decoding_order_supported(&flat, &down));
    // Higher reward but farther from the target, or closer but with less reward: no.
    assert!(!decoding_order_supported(&up, &up));
    assert!(!decoding_order_supported(&down, &down));
    // Nothing beyond the margin: no.
    assert!(!decoding_order_supported(&flat, &flat));
    assert_eq!(RULE_STANDARD_ERRORS, 2.0);
}

/// A curve with a checkpoint every 5 of 100 updates, `value(update)` at each.
fn synthetic(value: impl Fn(usize) -> f64) -> Vec<(usize, f64)> {
    (0..=20).map(|k| (5 * k, value(5 * k))).collect()
}

#[test]
fn the_convergence_criterion_reads_its_two_windows() {
    use destroy_then_generate::exploration::convergence::*;
    // Windows of 100 updates: (60, 80] holds updates 65..=80, (80, 100] holds 85..=100.
    let steps = synthetic(|u| if u > 80 { 2.0 } else { 1.0 });
    assert_eq!(window_mean(&steps, 100, 3, 4), 1.0);
    assert_eq!(window_mean(&steps, 100, 4, 5), 2.0);
    assert!(window_mean(&steps[..5], 100, 4, 5).is_nan());
    let gap = 1.66;
    // Flat, around different levels per seed, with a zig-zag that cancels in each window
    // (two checkpoints up, two down): no drift, converged, held to a hundredth of the gap.
    let flat: Vec<_> = (0..5)
        .map(|s| synthetic(|u| 0.7 + 0.01 * s as f64 + if u % 10 == 0 { 0.003 } else { -0.003 }))
        .collect();
    let c = convergence(&flat, 100, gap);
    assert!(c.drift.mean.abs() < 1e-12 && c.drift.se < 1e-12, "{c:?}");
    assert!(close(c.tolerance, 0.0166, 1e-12) && c.converged, "{c:?}");
    assert!(close(c.last_window, 0.72, 1e-12), "{c:?}");
    // Falling steadily by 0.002 per update: every seed drifts by −0.002 · 20 = −0.04, with
    // no spread, which is beyond 0.0166: not converged.
    let falling: Vec<_> = (0..5)
        .map(|s| synthetic(|u| 1.3 + 0.05 * s as f64 - 0.002 * u as f64))
        .collect();
    let c = convergence(&falling, 100, gap);
    assert!(
        close(c.drift.mean, -0.04, 1e-12) && c.drift.se < 1e-12,
        "{c:?}"
    );
    assert!(close(c.previous_window, 1.3 + 0.1 - 0.002 * 72.5, 1e-12));
    assert!(!c.converged, "{c:?}");
    // Seeds that disagree: drifts 0.05, −0.03, 0.04, −0.02 have mean 0.01 and standard
    // error √(0.005/3/4) = 0.0204; twice that exceeds the drift: converged (noise).
    let jump = |d: f64| synthetic(move |u| 0.4 + if u > 80 { d } else { 0.0 });
    let noisy: Vec<_> = [0.05, -0.03, 0.04, -0.02].map(jump).to_vec();
    let c = convergence(&noisy, 100, gap);
    assert!(close(c.drift.mean, 0.01, 1e-12), "{c:?}");
    assert!(close(c.drift.se, (0.005f64 / 12.0).sqrt(), 1e-12), "{c:?}");
    assert!(close(c.tolerance, 2.0 * c.drift.se, 1e-12) && c.converged);
    // Just outside and just inside a hundredth of a gap of 1: a drift of 0.0101 does not
    // converge, 0.0099 does.
    assert!(!convergence(&vec![jump(0.0101); 3], 100, 1.0).converged);
    assert!(convergence(&vec![jump(0.0099); 3], 100, 1.0).converged);
    // A seed that stopped early has no last window: not converged.
    let mut stopped = flat.clone();
    stopped[2].truncate(15);
    assert!(!convergence(&stopped, 100, gap).converged);
}

#[test]
fn every_budget_puts_checkpoints_in_both_windows() {
    use destroy_then_generate::exploration::convergence::WINDOWS;
    for scale in [Scale::Quick, Scale::Full] {
        let b = Budget::at(scale);
        assert_eq!(b.grpo_updates % b.checkpoints, 0, "{b:?}");
        assert_eq!(b.checkpoints % WINDOWS, 0, "{b:?}");
    }
}
