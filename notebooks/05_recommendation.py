# %% [markdown]
# # Next-item recommendation with live per-user state, served within a latency budget
#
# **Question.** Does a stepwise sequence model that carries each user's state from event to
# event (GRU4Rec-style GRU, SASRec-style causal transformer) recommend the next item better
# than popularity, a first-order Markov chain and item-kNN, under a full-ranking
# leave-last-out evaluation? And can one runner serve top-K lists to a thousand concurrent
# users within a per-event latency budget as their events arrive?
#

# %% [markdown] tags=["answer"]
# **Answer (default data: `sessions_sim`, a simulator with known ground truth).** **Not on the simulator.** Under full ranking the first-order Markov chain is the best
# model on every metric (HR@10 0.480, NDCG@10 0.334, MRR 0.300 over 1,043 test users).
# The best deep model on validation, SASRec, comes second (HR@10 0.440, NDCG@10 0.291):
# 8.4 % and 12.9 % *below* the Markov chain, and the paired bootstrap 95 % intervals
# ([-13 %, -4 %] and [-17 %, -9 %]) lie entirely below zero. GRU4Rec comes third; both
# deep models beat popularity and item-kNN. The oracle, which knows the true next-item
# distribution, reaches HR@10 0.618, so all models leave room. The simulator draws half of
# the in-session steps from a table of random successors, which is exactly what a Markov
# chain's counts memorise and what 64-dimensional tied embeddings can only approximate
# from 15k training events. **The goal (at least +10 % over the best baseline on
# MovieLens-100K) was not checked:** the MovieLens files may not be redistributed and this
# environment has no copy. The notebook runs unchanged on them; it is tested on synthetic
# files in both MovieLens formats. **Serving:** one runner held 1,000 concurrent users;
# each event (state update, seen-item mask, top-10 list on the host) took a median of
# 0.6 ms (GRU4Rec) and 2.0 ms (SASRec) in the committed run, and a 99th percentile of
# 1.4 ms and 2.8 ms: under the 5 ms budget, with at least 99.7 % of events in time. That run had the
# shared two-core machine nearly to itself. Other runs, while other jobs loaded it, had
# a p99 of 7 ms to over 100 ms, so the budget holds on idle cores but not on a busy machine.
#

# %%
# NBVAL_IGNORE_OUTPUT
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import tslib as ts
from tslib import parameters as param
from tslib.baselines import ItemKNNRanker, MarkovChainRanker, PopularityRanker
from tslib.checks import stepwise_gap
from tslib.datasets.sessions_sim import next_item_distribution
from tslib.evaluate import leave_last_out_tasks, ranking_scorers
from tslib.evaluate.ranking_report import ranking_gains, sampled_vs_full, serving_table
from tslib.plots import format_table, use_style
from tslib.preprocess import leave_last_out_split, tie_summary
from tslib.reports import record, record_headline
from tslib.reports.interaction_card import interaction_card
from tslib.runner import resolve_device
from tslib.training import make_windows, seed_everything
from tslib.training.next_item import ItemTrainingView

NOTEBOOK_STARTED = time.perf_counter()
use_style()
print(f"tslib {ts.__version__} | torch {torch.__version__} | python {platform.python_version()}")
print(f"threads: {torch.get_num_threads()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds numpy, torch, the tie-break, the samples and the bootstrap
QUICK = False  # smoke-test sizes: a small simulator, 2 epochs, 200 served users
DEVICE = "auto"  # device of the serving runner; training and offline scoring run on the CPU
DATASET = "sessions_sim"  # "sessions_sim" (simulator with ground truth) or "movielens"
DATA_PATH = None  # movielens: ml-100k u.data or ml-1m ratings.dat (or its zip / folder)
MIN_USER_EVENTS = 5  # users with fewer events are dropped (at least 3: train, validation, test)
MAX_LEN = 200  # most recent items a model reads (SASRec's maxlen; also its attention window)
K = 10  # length of a served list; HR@K and NDCG@K are reported (and @10 for the record)
N_NEGATIVES = 100  # sampled negatives per user for the *sampled* metrics (paper comparison only)
SERVE_USERS = 1000  # concurrent users in the live serving replay (a seeded sample of the users)
BUDGET_MS = 5.0  # per-event serving budget: state update + top-K list on the host
TIES = "random"  # a user's events in the same second: "random" (seeded) or "file" order
REPEATS = False  # False: seen items are excluded from every ranking; True: they stay candidates
EMBED_DIM = 64  # item embedding width, also the GRU hidden size and the transformer width
SASREC_DROPOUT = 0.2  # SASRec dropout (embeddings, attention, residuals)
EPOCHS = 30  # maximum epochs; early stopping on the validation items (patience below)
PATIENCE = 3  # epochs without a better validation loss before stopping
BATCH_SIZE = 32  # users per optimisation step (small: more updates within the epoch budget)
LR = 2e-3  # AdamW learning rate of both deep models
TRAIN_STEP_BUDGET = 6_000_000  # max padded (user x step) cells per model over all epochs
FULL_SOFTMAX_MAX_ITEMS = 2000  # full cross-entropy up to this many items, sampled softmax above
N_SAMPLED = 256  # uniform negatives of the sampled softmax (shared by a batch)
VAL_USERS = 2000  # users whose validation item drives early stopping (seeded sample)
N_BOOT = 2000  # paired bootstrap resamples of users
SIM_USERS = 1200  # simulator: users (more than SERVE_USERS)
SIM_ITEMS = 500  # simulator: items
SIM_SESSIONS = 3.0  # simulator: mean sessions per user
SIM_SESSION_LENGTH = 5.0  # simulator: mean events per session
SIM_TIE_SHARE = 0.15  # simulator: share of in-session gaps of 0 s (same-second events)

# %%
_ = param.check_parameters(
    globals(),
    SEED=param.integer(0),
    QUICK=param.boolean(),
    DEVICE=param.device(),
    DATASET=param.choice("sessions_sim", "movielens"),
    DATA_PATH=param.optional(param.path()),
    MIN_USER_EVENTS=param.integer(3),  # one training, one validation and one test event
    MAX_LEN=param.integer(1),
    K=param.integer(1),
    N_NEGATIVES=param.integer(1),
    SERVE_USERS=param.integer(1),
    BUDGET_MS=param.real(0, None, low_open=True),
    TIES=param.choice("random", "file"),
    REPEATS=param.boolean(),
    EMBED_DIM=param.integer(2, multiple_of=2),  # SASRec splits it over 2 attention heads
    SASREC_DROPOUT=param.real(0, 1, high_open=True),
    EPOCHS=param.integer(1),
    PATIENCE=param.integer(1),
    BATCH_SIZE=param.integer(1),
    LR=param.real(0, None, low_open=True),
    TRAIN_STEP_BUDGET=param.integer(1),
    FULL_SOFTMAX_MAX_ITEMS=param.integer(1),
    N_SAMPLED=param.integer(1),
    VAL_USERS=param.integer(1),
    N_BOOT=param.integer(10),
    SIM_USERS=param.integer(1),
    SIM_ITEMS=param.integer(2),
    SIM_SESSIONS=param.real(0, None, low_open=True),
    SIM_SESSION_LENGTH=param.real(0, None, low_open=True),
    SIM_TIE_SHARE=param.real(0, 1, high_open=True),
)

# %%
seed_everything(SEED)
rng = np.random.default_rng(SEED)
if QUICK:
    SIM_USERS, SIM_ITEMS = min(SIM_USERS, 300), min(SIM_ITEMS, 200)
    EPOCHS, EMBED_DIM, N_BOOT = min(EPOCHS, 2), min(EMBED_DIM, 32), min(N_BOOT, 200)
    SERVE_USERS, VAL_USERS = min(SERVE_USERS, 200), min(VAL_USERS, 300)
RUNNER_DEVICE = resolve_device(DEVICE)
TRAIN_DEVICE = "cpu"  # deterministic: the same seed gives the same weights
KS = sorted({10, K})
DEEP, BASELINES = ["gru4rec", "sasrec"], ["pop", "markov", "itemknn"]
MODELS = DEEP + BASELINES

# %% [markdown]
# ## 1. Data
#
# An interaction log: one row per event (`user`, `item`, `rating`, `timestamp` in whole
# seconds). Ratings are not used: an event means "the user chose this item", and the task is
# to rank the next one. The default is the `sessions_sim` simulator, whose ground truth (each
# user's taste and the item-to-item transition table) gives the exact next-item
# distribution, so an **oracle** ceiling can be shown. With `DATASET="movielens"` and
# `DATA_PATH` pointing at the GroupLens ml-100k `u.data` or ml-1m `ratings.dat`, the same
# cells run on real data (the variant is recognised from the file).

# %%
if DATASET == "sessions_sim":
    loaded = ts.load(
        "sessions_sim",
        n_users=SIM_USERS,
        n_items=SIM_ITEMS,
        seed=SEED,
        mean_sessions=SIM_SESSIONS,
        mean_session_length=SIM_SESSION_LENGTH,
        tie_share=SIM_TIE_SHARE,
        allow_repeats=False,
    )
else:  # "movielens" (the parameter check allows no other value)
    variant = "auto" if DATA_PATH is not None else "100k"
    loaded = ts.load("movielens", path=DATA_PATH, variant=variant, ties=TIES, tie_seed=SEED)
frame = loaded.frame
HAS_TRUTH = "preference" in (loaded.truth or {})

# %%
# NBVAL_CHECK_OUTPUT
print(interaction_card(loaded))  # source, licence, size, span, ties, repairs, ground truth

# %% [markdown]
# ### Exploration
#
# Events per user, events per item by popularity rank (the long tail: a few items take a
# large share of all events), and activity over time.

# %%
overview = ts.plots.plot_interaction_log(frame)
per_user, top_share = overview["per_user"], overview["top_share"]
plt.tight_layout()
plt.show()
head = f"top 10% of items hold {top_share:.0%} of events"
print(f"events per user: median {per_user.median():.0f}, max {per_user.max()} | {head}")

# %% [markdown]
# ## 2. Protocol
#
# * **Order.** Each user's events are ordered by time. Events of one user in the same second
#   have no known order; ordering them by item id (a common default) would decide which
#   item is held out by its id and feed that order to the sequence models. They are put in
#   a **seeded random order** (`TIES="random"`; `"file"` keeps the file's order).
# * **Split (leave-last-out).** For every user with at least `MIN_USER_EVENTS` events, the
#   last event is the test target, the one before it the validation target, the rest is
#   training. Deep models train on the training events and stop early on the validation
#   targets. For the test, every model reads the training events *and* the validation
#   event; the counting baselines are refitted on the same events.
# * **Catalogue.** Every item of the kept events is a candidate (items are known in
#   advance); each model ranks all of them: **full ranking**, no sampling.
# * **Exclusions.** Items the user already consumed are removed from every model's ranking
#   (`REPEATS=False`); a repeated target then counts as a miss for every model.
# * **Metrics.** HR@10, NDCG@10 and MRR over users, computed on identical users, targets and
#   exclusions for every model; paired bootstrap CIs (resampling users) of the best deep
#   model (chosen on validation NDCG@10) against the best baseline (also chosen on
#   validation). Sampled metrics (the target against `N_NEGATIVES` random unseen items, the
#   same negatives for every model) are shown next to them, labelled as sampled.

# %%
split = leave_last_out_split(frame, ties=TIES, seed=SEED, min_events=MIN_USER_EVENTS)
tasks = leave_last_out_tasks(split)  # items become catalogue columns 0 .. N_ITEMS - 1
# read train, rank the validation item; read train + the validation item, rank the test item
valid, test = tasks.valid, tasks.test
users, N_USERS, N_ITEMS = test.users, len(test), test.n_items
repeated = 0 if REPEATS else test.repeated_targets()
ties_split = tie_summary(frame[frame["user"].isin(users)])
N_NEG = min(N_NEGATIVES, test.max_negatives(exclude_seen=not REPEATS))
RANKING = dict(max_len=MAX_LEN, exclude_seen=not REPEATS, repeats="miss")  # every model, split

# %%
# NBVAL_CHECK_OUTPUT
dropped = f"dropped {split.dropped_users} with fewer than {MIN_USER_EVENTS} events"
print(f"users kept: {N_USERS:,} ({dropped}) | items: {N_ITEMS:,}")
print(
    f"events: train {len(split.train):,} | validation {len(split.valid):,} | test {len(split.test):,}"
)
tied = f"{ties_split['users_last_two_tied']:,} ({ties_split['users_last_two_tied_share']:.0%})"
print(f"test users whose last two events share a second: {tied}; ties broken: {TIES}")
print(f"repeated test targets (counted as misses): {repeated}")
print(f"sampled metrics: {N_NEG} negatives per user")

# %% [markdown]
# ## 3. Deep models
#
# * **GRU4Rec-style** (`NextItemEncoder`): item embedding, a GRU, and scores as dot products
#   with the (tied) item embeddings.
# * **SASRec-style** (`SASRecEncoder`): item embeddings (scaled, with dropout), two causal
#   self-attention blocks (two heads, a point-wise feed-forward layer of width `EMBED_DIM` as
#   in SASRec) over the last `MAX_LEN` items with ALiBi distance biases, tied scores. Its
#   `step` keeps a KV cache per user and equals `forward` (checked below).
#
# Each user's training events form one window (the last `MAX_LEN + 1` items; windows are
# right-padded, so a causal model's real steps never see the padding). Every next item is a
# target. **Loss: full-softmax cross-entropy over the whole catalogue** when it has at most
# `FULL_SOFTMAX_MAX_ITEMS` items (the simulator, ml-100k); above that (ml-1m, 3.7k items) a
# **sampled softmax** with `N_SAMPLED` uniform negatives keeps an epoch affordable on two
# cores. The validation loss is always the full cross-entropy of the validation item. The
# epochs are capped so that one model sees at most `TRAIN_STEP_BUDGET` padded user-steps
# (this is what keeps ml-1m inside ten minutes on two cores).

# %%
negatives = None if N_ITEMS <= FULL_SOFTMAX_MAX_ITEMS else N_SAMPLED
train_data = make_windows(list(valid.histories), MAX_LEN)
val_rows = np.sort(rng.choice(N_USERS, min(VAL_USERS, N_USERS), replace=False))
val_data = make_windows([test.histories[r] for r in val_rows], MAX_LEN, last_only=True)
cells = train_data[0].shape[0] * train_data[0].shape[1]
epochs = int(max(1, min(EPOCHS, TRAIN_STEP_BUDGET // cells)))
blocks = dict(n_heads=2, num_layers=2, context=MAX_LEN, dim_feedforward=EMBED_DIM)  # SASRec
models = {
    "gru4rec": ts.NextItemEncoder(N_ITEMS, EMBED_DIM, EMBED_DIM, cell="gru", seed=SEED),
    "sasrec": ts.SASRecEncoder(N_ITEMS, EMBED_DIM, dropout=SASREC_DROPOUT, seed=SEED + 1, **blocks),
}
fitting = dict(epochs=epochs, batch_size=BATCH_SIZE, lr=LR, weight_decay=0.0, patience=PATIENCE)
histories, train_seconds = {}, {}
for name, model in models.items():
    view = ItemTrainingView(model, negatives=negatives)
    started = time.perf_counter()
    histories[name] = ts.fit(
        view, train_data, val_data, loss=view.loss, seed=SEED, device=TRAIN_DEVICE, **fitting
    )
    train_seconds[name] = time.perf_counter() - started

# %%
# NBVAL_IGNORE_OUTPUT
loss_name = (
    "full cross-entropy" if negatives is None else f"sampled softmax ({N_SAMPLED} negatives)"
)
print(
    f"training windows: {train_data[0].shape[0]:,} users x {train_data[0].shape[1]} steps; "
    f"{int((train_data[1] >= 0).sum()):,} targets; loss: {loss_name}; epochs cap {epochs}"
)
for name, history in histories.items():
    best = history.attrs["best_epoch"]
    print(
        f"{name}: {len(history)} epochs ({train_seconds[name]:.0f} s), best epoch {best}, "
        f"validation loss {history['val_loss'].min():.3f} (uniform guess: {np.log(N_ITEMS):.3f})"
    )
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
for ax, (name, history) in zip(axes, histories.items()):
    ax.plot(history["epoch"], history["train_loss"], label=f"train ({loss_name})")
    ax.plot(history["epoch"], history["val_loss"], label="validation (full cross-entropy)")
    ax.set(title=name, xlabel="epoch", ylabel="loss")
    ax.legend()
plt.tight_layout()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
probes = [np.asarray(test.histories[r][-MAX_LEN:], float)[:, None] for r in range(min(5, N_USERS))]
for name, model in models.items():
    model.eval()  # no dropout: the mode the runner serves in
    gaps = [stepwise_gap(model, items) for items in probes]  # items: (T, 1), one user's test input
    print(f"{name}: stepwise == forward: {max(gaps) <= 1e-4}")


# %% [markdown]
# ## 4. Baselines
#
# Popularity (counts), a first-order Markov chain on consecutive items (smoothed towards
# popularity) and item-kNN (cosine similarity of the items' user sets, summed over the
# user's five latest items). They are counting models: for the validation ranking they are
# fitted on the training events; for the test ranking on the training and validation
# events, the same events the deep models read.


# %%
rankers = {
    "pop": PopularityRanker(N_ITEMS),
    "markov": MarkovChainRanker(N_ITEMS, smoothing=1.0),
    "itemknn": ItemKNNRanker(N_ITEMS, n_recent=5),
}
oracle = (  # the true next-item distribution (simulator only), ranked as a score matrix
    {"oracle": next_item_distribution(loaded, split.test.index)[:, tasks.catalogue]}
    if HAS_TRUTH
    else {}
)


# %% [markdown]
# ## 5. Evaluation: full ranking, with the sampled metrics beside it
#
# Every model scores every catalogue item for every user; the target's rank among the
# items the user has not consumed gives HR@10, NDCG@10 and MRR. The sampled columns rank
# the target against `N_NEGATIVES` random unseen items only (the same ones for every
# model).

# %%
valid_ndcg = ts.backtest({**models, **rankers}, valid, scorers=["NDCG@10"], **RANKING)
valid_ndcg = valid_ndcg.set_index("model")["NDCG@10"]
ranks = ts.backtest({**models, **rankers, **oracle}, test, n_negatives=N_NEG, seed=SEED, **RANKING)
names = MODELS + list(oracle)
table = ts.score(ranks, ranking_scorers(KS, sampled=True), by=["model"]).set_index("model")
table = table.loc[names].drop(columns="n").assign(**{"valid NDCG@10": valid_ndcg}).rename_axis(None)
test_ranks = {name: ranks.loc[ranks["model"] == name, "rank"].to_numpy() for name in names}
best_deep = max(DEEP, key=valid_ndcg.get)
best_base = max(BASELINES, key=valid_ndcg.get)

# %%
# NBVAL_IGNORE_OUTPUT
picked = f"best deep model on validation: {best_deep}; best baseline on validation: {best_base}"
print(f"{N_USERS:,} test users, {N_ITEMS:,} candidate items; {picked}")
format_table(table)


# %% [markdown]
# ### Paired bootstrap: best deep model against best baseline
#
# Users are resampled with replacement (`N_BOOT` times), the same users for both models, and
# the relative gain $\bar m_{deep} / \bar m_{base} - 1$ is recomputed each time; the table
# gives its 95 % percentile interval. The goal is a gain of at least 10 % in HR@10 and
# NDCG@10 with an interval that excludes zero.


# %%
# NBVAL_IGNORE_OUTPUT
pair = (best_deep, best_base)  # relative gain of the mean, deep over baseline, paired 95 % CI
gains = ranking_gains(*(test_ranks[m] for m in pair), pair, n_resamples=N_BOOT, seed=SEED)
goal = bool(
    all(gains.loc[m, "gain"] >= 0.10 and gains.loc[m, "ci_low"] > 0 for m in ["HR@10", "NDCG@10"])
)
print(f"goal (>= +10% in HR@10 and NDCG@10 over the best baseline, CI above 0): {goal}")
format_table(gains)

# %% [markdown]
# ## 6. Plots
#
# Left: full-ranking HR@10 against sampled HR@10 for every model. Right: the share of users
# whose target ranks at or above each position (full ranking, log scale).

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 3.8))
ts.plots.plot_full_vs_sampled(table, "HR@10", axes[0], sampled_label=f"sampled ({N_NEG} negatives)")
ts.plots.plot_rank_reach(test_ranks, N_ITEMS, axes[1], mark=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Why the sampled metrics disagree
#
# With 100 random negatives, the target only has to beat 100 random items, most of them
# from the long tail. So every model's sampled HR@10 is far above its full-ranking HR@10.
# Sampling also compresses the differences between models and can reorder them: sampled
# metrics are not consistent with full ranking (Krichene & Rendle, *On Sampled Metrics for
# Item Recommendation*, KDD 2020). Under sampling, a model is rewarded for placing popular
# items above obscure ones, which popularity-like scorers do by construction. The orders
# and ratios below are computed from this run.

# %%
# NBVAL_IGNORE_OUTPUT
print(sampled_vs_full(table, MODELS, full="NDCG@10", sampled="HR@10"))

# %% [markdown]
# ## 7. Live serving
#
# `SERVE_USERS` users (a seeded sample) are served by one `StepwiseRunner` per deep model.
# Each user first gets their training history (the last `MAX_LEN - 1` items, one fused
# `runner.observe` per history length; older items only count as seen). Then their
# validation and test events arrive, **interleaved across users in global time order**. At
# each event the user's pending scores rank the arriving item (the target's rank at that
# tick), the event updates that user's state with one `runner.step`, seen items are masked
# and the next top-K list is copied to the host. The latency is that serving work, per event, against
# `BUDGET_MS`. Since a user's state after the validation event is exactly the history the
# offline test read, the ranks at the test ticks must equal the offline test ranks.

# %%
serve_rows = np.sort(rng.choice(N_USERS, min(SERVE_USERS, N_USERS), replace=False))
serve_users = users[serve_rows]
# live: the validation and test events; warm-up: the MAX_LEN - 1 items before (+ the validation
# event = the MAX_LEN items the test read offline); older items only count as seen
live, warmup, older = tasks.replay_inputs(serve_users, live_last=2, window=max(MAX_LEN - 1, 1))
offline = ranks.set_index(["model", "user"])["rank"]
served, agreement = {}, {}
serving_options = dict(k=K, exclude_seen=not REPEATS, repeats="miss", latency_budget_ms=BUDGET_MS)
for name, model in models.items():
    runner = ts.StepwiseRunner(model, device=RUNNER_DEVICE)
    served[name] = ts.replay(runner, live, warmup=warmup, seen=older, **serving_options)
    replay_frame = served[name].frame
    at_test = replay_frame[replay_frame["event"].isin(split.test.index)].set_index("user")["rank"]
    same = np.isclose(at_test.loc[serve_users], offline.loc[name].loc[serve_users])
    agreement[name] = float(np.mean(same))
    served[name].summary["runner_streams"] = len(runner)

# %%
# NBVAL_CHECK_OUTPUT
for name in models:
    summary = served[name].summary
    print(
        f"{name}: {summary['events']} events of {summary['runner_streams']} concurrent users in one runner; "
        f"replay ranks == offline ranks at the test ticks (>= 99% of users): {agreement[name] >= 0.99}"
    )

# %%
# NBVAL_IGNORE_OUTPUT
serving = serving_table({m: served[m].summary for m in models}, agreement, BUDGET_MS, K)
latency = f"latency = step + mask + top-{K} to the host"
print(f"runner device: {RUNNER_DEVICE}; {len(live)} events; {latency}")
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
for ax, name in zip(axes, models):
    ts.plots.plot_latency_histogram(
        served[name].frame["latency_us"], budget_us=1e3 * BUDGET_MS, ax=ax
    )
    ax.set_title(f"{name}: " + ax.get_title())
plt.tight_layout()
plt.show()
format_table(serving)

# %%
# NBVAL_IGNORE_OUTPUT
metrics = {"dataset": DATASET, "n_test": int(N_USERS)}
keys = {"hr10": "HR@10", "ndcg10": "NDCG@10", "mrr": "MRR", "hr10_sampled": "HR@10 (sampled)"}
for name in MODELS:
    metrics.update({f"{key}_{name}": float(table.loc[name, col]) for key, col in keys.items()})
serve = served[best_deep].summary  # the model the validation picked
metrics.update({f"serve_{key}": serve[key] for key in ["p50_us", "p99_us", "within_budget"]})
_ = record(**metrics)
ndcg = table.loc[MODELS, "NDCG@10"]  # the headline: full-ranking NDCG@10 (higher is better)
deep_best, base_best = ndcg[DEEP].idxmax(), ndcg[BASELINES].idxmax()
_ = record_headline(
    metric="ndcg@10",
    deep_model=deep_best,
    deep_value=float(ndcg[deep_best]),
    baseline=base_best,
    baseline_value=float(ndcg[base_best]),
    lower_is_better=False,
)

# %%
# NBVAL_IGNORE_OUTPUT
for metric in ["HR@10", "NDCG@10", "MRR", "HR@10 (sampled)"]:
    winner = table.loc[MODELS, metric].idxmax()
    kind = "deep model" if winner in DEEP else "BASELINE"
    print(
        f"{metric:>16}: winner {winner} ({kind}) {table.loc[winner, metric]:.3f}"
        + (f" | oracle ceiling {table.loc['oracle', metric]:.3f}" if HAS_TRUTH else "")
    )
print(
    f"best deep ({best_deep}) vs best baseline ({best_base}): HR@10 {gains.loc['HR@10', 'gain']:+.1%} "
    f"[{gains.loc['HR@10', 'ci_low']:+.1%}, {gains.loc['HR@10', 'ci_high']:+.1%}], NDCG@10 "
    f"{gains.loc['NDCG@10', 'gain']:+.1%} [{gains.loc['NDCG@10', 'ci_low']:+.1%}, {gains.loc['NDCG@10', 'ci_high']:+.1%}]; goal met: {goal}"
)
print(
    f"serving ({best_deep}, {served[best_deep].summary['users']} users): p99 {serve['p99_us']:.0f} us "
    f"{'<' if serve['p99_us'] < 1e3 * BUDGET_MS else '>='} budget {1e3 * BUDGET_MS:.0f} us; "
    f"{serve['within_budget']:.1%} of events within budget"
)

# %% [markdown]
# ## 8. Conclusions
#
# Default run (`sessions_sim`, 1,043 test users, 497 items). The numbers are those of the
# committed run; the latencies change from run to run.
#
# * **Winner per metric.** The Markov chain wins HR@10, NDCG@10, MRR and sampled HR@10.
#   Under full ranking SASRec is second and GRU4Rec third on all three metrics; on sampled
#   HR@10 item-kNN edges past SASRec. The best deep model trails the best baseline with
#   intervals that exclude zero, so **the baseline wins, clearly**. The goal (+10 % with an interval above zero) is not met on this data.
# * **Why the Markov chain wins here.** Half of the simulator's in-session steps follow a
#   table of five random successors per item. Such a table is full rank and is memorised by
#   counts. Tied low-dimensional item embeddings have to approximate it, and 15.5k training
#   events are too few to learn it well. The other half (the user's taste) is where the
#   sequence models gain over the other counting models: both beat popularity and item-kNN.
#   The oracle (the true next-item distribution, the best ranking in expectation) reaches
#   HR@10 0.618, well above every model.
# * **Sampled against full ranking.** With 100 random negatives, every HR@10 rises by 1.4x
#   to 1.9x. The gain is largest for item-kNN (1.9x) and popularity (1.8x), and item-kNN
#   overtakes both deep models. The two orders of the models disagree (Kendall tau 0.6,
#   not 1): sampled numbers would rank these models differently (Krichene & Rendle, 2020),
#   so they are shown only for comparison with older papers.
# * **Ties.** 22 % of the events share their second with another event of the same user.
#   For 13 % of the test users, the last two events share one second, so the choice of
#   test item is arbitrary for them. A seeded random order is used, never the item id.
# * **Serving.** One runner per model held 1,000 users. In the committed run the median
#   event took 0.6 ms with GRU4Rec and 2.0 ms with SASRec, and the 99th percentile 1.4 ms
#   and 2.8 ms: p99 < 5 ms is met, and at least 99.7 % of events were served in time. That run had the
#   machine nearly to itself; in other runs, with other jobs loading the two cores, p99
#   reached 7 ms to over 100 ms and a third to two thirds of the SASRec events missed the budget. The GRU4Rec step
#   is a few small matrix products; a SASRec step runs several dozen small operations over a
#   200-position cache, which makes it three to four times slower per event and more
#   sensitive to a busy machine. The ranks at the test ticks of the replay equal the
#   offline test ranks. The state costs differ by three orders of
#   magnitude: a GRU4Rec user is 256 bytes, a SASRec user 200 KB (a KV cache of 200
#   positions in two layers), 195 MB for 1,000 users.
# * **MovieLens.** The notebook was not run on the real files: they cannot be
#   redistributed, and this environment has no copy. So the ML-100K goal is unverified. On
#   ml-100k, the defaults train for up to 30 epochs with full cross-entropy. On ml-1m (3.7k
#   items), a sampled softmax is used and the epochs are capped at 4 by
#   `TRAIN_STEP_BUDGET`. On a synthetic file of ml-1m size, that run took about 5
#   CPU-minutes. This keeps ml-1m within ten minutes on two cores, but SASRec is then
#   under-trained compared with published results. `reports/params/full.yaml` holds the
#   longer settings.
#

# %%
# NBVAL_IGNORE_OUTPUT
print(f"notebook wall time: {time.perf_counter() - NOTEBOOK_STARTED:.0f} s")
