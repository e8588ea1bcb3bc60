# %% [markdown]
# # Equipment faults: remaining useful life at every cycle, and early fault detection
#
# **Question.** Can a stepwise recurrent model that updates each engine's remaining-useful-life
# (RUL) estimate at every cycle match the published deep-learning results on NASA C-MAPSS?
# And does it raise fault alarms earlier, with fewer false alarms, than threshold and CUSUM
# detectors on a health indicator?
#

# %% [markdown] tags=["answer"]
# **Answer (default data: `equipment_sim`, a simulator with known fault onsets and true RUL; 100
# training and 100 test units).** Both recurrent models update every unit's RUL at every cycle.
# On the standard protocol (last test cycle against the true, uncapped RUL) the GRU scores an
# RMSE of 23.4 cycles, the LSTM 23.8, gradient-boosted trees on 30-cycle window features 23.5,
# ridge 27.9 and the mean predictor 46.8; the paired bootstrap 95% CI of GRU − trees is
# [−1.7, +1.5] cycles, a tie. Over every test cycle with true RUL ≤ 125 the GRU leads narrowly
# (21.9 against 22.4 for the LSTM and 22.7 for the trees). A split-conformal interval calibrated
# on 20 held-out units (±37.8 cycles) covers 91% of the test units at their last cycle (target
# 90%). **C-MAPSS was not run here**: this environment has no copy of NASA's files and no
# internet, so the FD001 goal (RMSE ≤ 12, NASA score ≤ 250, beating the boosted trees) is
# *unverified*; the notebook runs unchanged with `DATASET="cmapss"` and `DATA_PATH` set, prints
# the published figures next to its own and says whether the goal is met. On early detection the
# answer is **no, not earlier**: scored against the true fault onset, CUSUM and a threshold on a
# health indicator (first principal component) detect after 31 and 38 cycles on average and miss
# 14 and 20 of 82 faults, while the LSTM's "RUL ≤ 30" alarm comes 90 cycles after onset and
# misses 56 (most of them test units cut before their last 30 cycles). It does raise **fewer false
# alarms**: none before any onset (detectors: 0.8 and 0.9 per 1,000 cycles), and, scored against
# the cycle an alarm is actually due, 4.5 per 1,000 cycles with a 2.4-cycle mean delay, where the
# detectors fire 94–177 times per 1,000 cycles too early because they flag wear, not imminent
# failure. All 100 test units stream through one runner well within the 10 ms tick budget, with
# 512 bytes of state per unit, and the replayed estimates equal the batch forward pass.

# %%
# NBVAL_IGNORE_OUTPUT
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
import torch
from IPython.display import display
from threadpoolctl import threadpool_limits

import tslib as ts
from tslib import parameters as param
from tslib.baselines.health_indicator import indicator_alarms
from tslib.baselines.rul_features import window_features
from tslib.baselines.rul_regressors import rul_regressors
from tslib.evaluate import paired_unit_bootstrap
from tslib.evaluate.unit_comparison import bootstrap_verdict
from tslib.evaluate.cmapss_reference import fd001_goal_line, with_published
from tslib.evaluate.unit_detection import (
    DETECTION_COLUMNS,
    alarm_table,
    detection_metrics,
    rul_alarms,
)
from tslib.evaluate.unit_walk import unit_score_table
from tslib.metrics.rul import alarm_due_positions
from tslib.plots import format_table, plot_latency_histogram, use_style
from tslib.plots.detection import plot_detection_panels
from tslib.plots.rul import plot_last_cycle_errors, plot_unit_intervals
from tslib.plots.training import plot_training_curves
from tslib.reports.rankings import ranking_lines
from tslib.reports.unit_card import unit_data_card
from tslib.plots.sensor_screen import plot_sensor_screen
from tslib.preprocess.operating_conditions import OperatingConditionScaler
from tslib.training import make_windows, masked_mse, seed_everything

NOTEBOOK_STARTED = time.perf_counter()
use_style()
print(f"tslib {ts.__version__} | torch {torch.__version__} | sklearn {sklearn.__version__}")
print(f"python {platform.python_version()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds python, numpy, torch, the unit split and the bootstrap
QUICK = False  # smoke-test sizes: fewer simulated units and epochs
DEVICE = "auto"  # device of the real-time replay; training always runs on the CPU (deterministic)
DATASET = "equipment_sim"  # "equipment_sim" (simulator with ground truth) or "cmapss"
DATA_PATH = None  # cmapss: folder (or NASA zip) with train_FD00k.txt, test_FD00k.txt, RUL_FD00k.txt
SUBSET = "FD001"  # cmapss subset, FD001 .. FD004
RUL_CAP = 125  # piecewise-linear target: the RUL is capped at this many cycles
WINDOW = 30  # cycles summarised by the window features of the ridge and boosted-tree baselines
VAL_UNITS = 0.2  # share of the training units held out, by unit, for early stopping and calibration
ALARM_RUL = 30  # an alarm is due once the true RUL is at most this many cycles
SIM_UNITS = 100  # equipment_sim: training units, run to failure
SIM_TEST_UNITS = 100  # equipment_sim: test units, stopped before failure
CONSTANT_TOL = 0.011  # a sensor whose range in every operating condition is at most this is dropped
HIDDEN = 64  # recurrent hidden units
LAYERS = 1  # stacked recurrent layers
DROPOUT = 0.0  # dropout between stacked layers
EPOCHS = 150  # most passes over the training units (early stopping on the validation units)
PATIENCE = 25  # epochs without validation improvement before stopping
BATCH_SIZE = 16  # whole trajectories per optimisation step
LR = 3e-3  # AdamW learning rate
WEIGHT_DECAY = 1e-4  # AdamW weight decay
USE_CYCLE = True  # feed the cycle count (cycles / RUL_CAP) to every model as an input
GBT_ITER = 300  # boosting iterations of HistGradientBoostingRegressor
ALPHA = 0.1  # miscoverage of the conformal interval: 90 % intervals
HEALTHY_CYCLES = 30  # first cycles of each training unit: the healthy reference of the detectors
THRESHOLD_Z = 3.0  # threshold detector: alarm when the smoothed indicator is this many sd high
SMOOTHING = 0.2  # EWMA weight of the health indicator read by the threshold detector
CUSUM_K = 0.5  # CUSUM allowance, in healthy sd
CUSUM_H = 5.0  # CUSUM decision interval, in healthy sd
LATENCY_BUDGET_MS = 10.0  # real-time budget of one replay tick (all units together)
N_BOOT = 2000  # paired bootstrap resamples of test units

# %%
_ = param.check_parameters(
    globals(),
    SEED=param.integer(0),
    QUICK=param.boolean(),
    DEVICE=param.device(),
    DATASET=param.choice("equipment_sim", "cmapss"),
    DATA_PATH=param.optional(param.path()),
    SUBSET=param.choice("FD001", "FD002", "FD003", "FD004"),
    RUL_CAP=param.integer(1),
    WINDOW=param.integer(1),
    VAL_UNITS=param.real(0, 1, low_open=True, high_open=True),
    ALARM_RUL=param.integer(0),
    SIM_UNITS=param.integer(2),
    SIM_TEST_UNITS=param.integer(1),
    CONSTANT_TOL=param.real(0),
    HIDDEN=param.integer(1),
    LAYERS=param.integer(1),
    DROPOUT=param.real(0, 1, high_open=True),
    EPOCHS=param.integer(1),
    PATIENCE=param.integer(1),
    BATCH_SIZE=param.integer(1),
    LR=param.real(0, None, low_open=True),
    WEIGHT_DECAY=param.real(0),
    USE_CYCLE=param.boolean(),
    GBT_ITER=param.integer(1),
    ALPHA=param.real(0, 1, low_open=True, high_open=True),
    HEALTHY_CYCLES=param.integer(2),  # a healthy mean and standard deviation need two cycles
    THRESHOLD_Z=param.real(0, None, low_open=True),
    SMOOTHING=param.real(0, 1, low_open=True),
    CUSUM_K=param.real(0),
    CUSUM_H=param.real(0, None, low_open=True),
    LATENCY_BUDGET_MS=param.real(0, None, low_open=True),
    N_BOOT=param.integer(10),
)

# %%
seed_everything(SEED)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)  # one-step recurrences on small matrices: a second thread only adds waits
threadpool_limits(1)  # the same for scikit-learn's OpenMP / BLAS pools (k-means, boosted trees)
TRAIN_DEVICE = "cpu"  # bit-reproducible training
if QUICK:
    SIM_UNITS, SIM_TEST_UNITS = min(SIM_UNITS, 24), min(SIM_TEST_UNITS, 16)
    EPOCHS, PATIENCE, GBT_ITER, N_BOOT = min(EPOCHS, 6), min(PATIENCE, 3), min(GBT_ITER, 50), 200
DEEP, BASELINES = ["lstm", "gru"], ["ridge", "gbt", "mean"]
MODELS = DEEP + BASELINES

# %% [markdown]
# ## 1. Data
#
# The default is `equipment_sim`, a simulator in the C-MAPSS layout with ground truth: every
# unit has a known fault onset, after which a health index grows exponentially and moves a
# subset of 21 sensors until failure; cycles are flown in a few operating regimes. With
# `DATASET="cmapss"` and `DATA_PATH` pointing at NASA's files the same code runs on
# C-MAPSS (GUIDE §5). Training units run to failure; test units stop before it, and the
# true RUL at their last cycle is given (`RUL_FD00k.txt`).

# %%
if DATASET == "equipment_sim":
    data = ts.load(DATASET, n_units=SIM_UNITS, n_test_units=SIM_TEST_UNITS, seed=SEED)
else:  # "cmapss", the only other value the parameter check lets through
    data = ts.load(DATASET, path=DATA_PATH, subset=SUBSET)
SUBSET_NAME = "simulated" if DATASET == "equipment_sim" else SUBSET
TARGET = data.info.targets[0]  # the true RUL; in the test frame it ends at the published RUL_FD00k
train_frame, test_frame = data.frames["train"], data.frames["test"]
SENSORS = [c for c in train_frame.columns if c.startswith("sensor_")]
SETTINGS = [c for c in train_frame.columns if c.startswith("op_setting_")]
HAS_TRUTH = data.truth is not None and "test_units" in data.truth

# %%
# NBVAL_CHECK_OUTPUT
print(unit_data_card(data, SUBSET_NAME))  # units, cycles, sensors, settings, target, repairs

# %%
# NBVAL_IGNORE_OUTPUT
print("source:  ", data.info.source)
print("licence: ", data.info.licence)
print("citation:", data.info.citation)
print(
    "ground truth:", "fault onset and true RUL of every unit" if HAS_TRUTH else "none (real data)"
)

# %% [markdown]
# ## 2. Exploration
#
# Sensor trajectories of a few training units, each sensor's correlation with the (capped) RUL,
# and the sensors that never move, which usual practice drops. Where the data has several
# operating conditions (FD002, FD004, the simulator's regimes), the raw readings jump with the
# condition, so the conditions are found first (k-means on the operating settings, fitted on
# the training units only) and a sensor counts as constant when it is constant within every
# condition.

# %%
# NBVAL_CHECK_OUTPUT
train_units, val_units, _ = ts.preprocess.split_by_unit(train_frame, val=VAL_UNITS, seed=SEED)
conditions = OperatingConditionScaler(SENSORS, SETTINGS, seed=SEED).fit(train_units)
N_CONDITIONS = conditions.n_conditions_
scaled_units = conditions.transform(train_units)  # every sensor, standardised per condition
condition_of_row = scaled_units["op_condition"].to_numpy()
DROPPED = ts.datasets.constant_sensors(train_units, tol=CONSTANT_TOL, by=condition_of_row)
KEPT = [s for s in SENSORS if s not in DROPPED]
print(
    f"units: {train_units.index.get_level_values(0).nunique()} train, "
    f"{val_units.index.get_level_values(0).nunique()} validation (by unit)"
)
print(f"operating conditions found: {N_CONDITIONS}")
print(f"constant sensors dropped: {DROPPED}")
print(f"sensors kept: {len(KEPT)}")

# %%
plot_sensor_screen(
    scaled_units,
    train_units[SENSORS],
    np.minimum(train_units[TARGET], RUL_CAP),
    dropped=DROPPED,
    conditions=condition_of_row,
    tol=CONSTANT_TOL,
)
plt.show()

# %% [markdown]
# ## 3. Causal preprocessing, fitted on training units only
#
# Usual practice on C-MAPSS, followed here: the target is piecewise linear, the true RUL capped
# at `RUL_CAP` (an engine's early life carries no information on when it will fail); constant
# sensors are dropped; every sensor is standardised with the mean and standard deviation of
# its operating condition, estimated on the training units only. With one condition (FD001,
# FD003) this is a plain standard scaler; with six (FD002, FD004) it is the per-condition
# normalisation the literature uses. Each row depends only on itself, so the transform is
# causal (`step` equals `transform`). The cycle count, divided by `RUL_CAP`, is an input of
# every model (`USE_CYCLE`), as it is known online. The validation units (a `VAL_UNITS` share,
# split by unit, never by row) serve early stopping and the conformal calibration.

# %%
# NBVAL_CHECK_OUTPUT
scaler = OperatingConditionScaler(KEPT, SETTINGS, n_conditions=N_CONDITIONS, seed=SEED)
scaler.fit(train_units)
FEATURES = KEPT + (["cycle_input"] if USE_CYCLE else [])
parts = {}
for name, frame in {"train": train_units, "val": val_units, "test": test_frame}.items():
    part = scaler.transform(frame)
    part["cycle_input"] = part.index.get_level_values(1).to_numpy(float) / RUL_CAP
    part[TARGET] = frame[TARGET].astype(float)  # the true RUL, uncapped: what is scored
    part["capped"] = np.minimum(frame[TARGET], RUL_CAP).astype(float)
    part["target"] = part["capped"] / RUL_CAP  # models learn RUL / RUL_CAP, in [0, 1]
    parts[name] = part
sequences = {
    name: make_windows(parts[name], None, columns=FEATURES, targets=["target"], shift=0).pair
    for name in ("train", "val")
}  # whole units from cycle 1, right-padded, padding masked
for name, part in parts.items():
    n_units = part.index.get_level_values(0).nunique()
    print(f"{name}: {n_units} units, {len(part)} rows, {len(FEATURES)} inputs")
print("padded training inputs:", tuple(sequences["train"][0].shape))

# %% [markdown]
# ## 4. Deep models: LSTM and GRU, one RUL estimate per cycle
#
# Each model reads a unit's cycles in order, from a zero state at cycle 1, and emits an RUL
# estimate at every cycle, exactly as it runs live. It is trained on whole trajectories:
# units are right-padded to the longest one and the loss (`masked_mse`) ignores the padding,
# which a causal model never sees before a unit's last cycle anyway. Early stopping watches
# the validation units. The causal transformer is not run here: whole trajectories of up to
# ~360 cycles would need its context to hold all of them, and on 2 CPU cores its training
# does not fit the notebook's budget.

# %%
# NBVAL_IGNORE_OUTPUT
FIT = {"loss": masked_mse, "epochs": EPOCHS, "batch_size": BATCH_SIZE, "lr": LR, "progress": False}
FIT |= {"weight_decay": WEIGHT_DECAY, "patience": PATIENCE, "device": TRAIN_DEVICE}
models, histories = {}, {}
for k, cell in enumerate(DEEP):
    model = ts.RecurrentEncoder(
        len(FEATURES), HIDDEN, 1, num_layers=LAYERS, cell=cell, dropout=DROPOUT, seed=SEED + k
    )
    started = time.perf_counter()
    histories[cell] = ts.fit(model, sequences["train"], sequences["val"], seed=SEED + k, **FIT)
    models[cell], history = model, histories[cell]
    print(
        f"{cell}: {len(history)} epochs, best {history.attrs['best_epoch']}, val RMSE "
        f"{RUL_CAP * np.sqrt(history['val_loss'].min()):.2f} cycles, {time.perf_counter() - started:.0f} s"
    )

# %%
plot_training_curves(histories, scale=RUL_CAP, ylabel="RMSE (cycles, capped target)")
plt.show()

# %% [markdown]
# ## 5. Baselines on identical inputs and test points
#
# A mean-RUL predictor (the mean capped RUL of the training cycles), and ridge regression and
# gradient-boosted trees (scikit-learn's `HistGradientBoostingRegressor`) on causal window
# features of the same scaled sensors: for each sensor its current value, and the mean,
# standard deviation and least-squares slope over the last `WINDOW` cycles (fewer at a unit's
# start), plus the cycle count (`tslib.baselines.rul_features.window_features`). Like the
# recurrent models they predict at every cycle of every test unit, from that unit's past only.

# %%
# NBVAL_IGNORE_OUTPUT
window = lambda frame: window_features(frame, KEPT, WINDOW)  # the regressors' inputs, causal
train_features = window(parts["train"])
regressors = rul_regressors(GBT_ITER, SEED)  # ridge, boosted trees, mean capped training RUL
for name, regressor in regressors.items():
    started = time.perf_counter()
    regressor.fit(train_features, parts["train"]["capped"])
    print(
        f"{name}: fitted on {len(train_features)} rows x {train_features.shape[1]} features "
        f"in {time.perf_counter() - started:.1f} s"
    )

# %% [markdown]
# ## 6. Evaluation on the standard protocol
#
# The C-MAPSS protocol scores one estimate per test unit, at its last cycle, against the RUL
# file **as published** (uncapped), with the RMSE and the NASA score
# $S = \sum_{d<0} (e^{-d/13}-1) + \sum_{d\ge 0} (e^{d/10}-1)$, $d$ = predicted − true, which
# punishes late estimates harder; it is a sum, so it grows with the number of units. Many
# papers score against the truth capped at `RUL_CAP`, so that is shown too, labelled. For the
# streaming use case the RMSE over *every* test cycle whose true RUL is at most `RUL_CAP`
# matters as much. Published figures are for FD001 only.

# %%
# NBVAL_IGNORE_OUTPUT
# the "units" protocol: every model at every cycle of every test unit, in cycles (networks: RUL / RUL_CAP)
UNITS = {
    "target": TARGET,
    "columns": FEATURES,
    "features": window,
    "cap": RUL_CAP,
    "scale": dict.fromkeys(DEEP, RUL_CAP),
}
predictions = ts.backtest({**models, **regressors}, parts["test"], **UNITS)
# last cycle against the published and the capped truth, and every cycle within the cap
table = unit_score_table(predictions, MODELS)
table, note = with_published(table, data.info.name, SUBSET_NAME)  # published rows on FD001 only
if note:
    print(note)
last = predictions[predictions["last"]]  # the last cycle of each test unit
test_lstm = predictions[predictions["model"] == "lstm"]
N_TEST, in_cap = last["unit"].nunique(), int((test_lstm["y_true"] <= RUL_CAP).sum())
print(f"{N_TEST} test units, {in_cap} test cycles with true RUL <= {RUL_CAP}")
format_table(table)

# %%
# NBVAL_IGNORE_OUTPUT
best_deep = min(DEEP, key=lambda m: table.loc[m, "rmse"])
best_baseline = min(BASELINES, key=lambda m: table.loc[m, "rmse"])
boot = paired_unit_bootstrap(predictions, best_deep, best_baseline, n_resamples=N_BOOT, seed=SEED)
print(
    f"best deep model: {best_deep} (RMSE {table.loc[best_deep, 'rmse']:.2f}); "
    f"best baseline: {best_baseline} (RMSE {table.loc[best_baseline, 'rmse']:.2f})"
)
print("\n".join(bootstrap_verdict(boot, best_deep, best_baseline)))  # the CI, then the verdict

# %%
plot_last_cycle_errors(predictions, best_deep, MODELS)  # scatter of the best, errors of all
plt.show()

# %% [markdown]
# ## 7. Intervals: split-conformal by unit
#
# The validation units never trained the weights (they only chose the stopping epoch), so
# their residuals calibrate an interval around the LSTM estimate: split-conformal with every
# validation unit weighing one in total, spread over its cycles (`tslib.calibration.SplitConformal`
# with `groups`; Dunn, Wasserman & Ramdas 2023). Engines, not cycles, are the exchangeable
# units. Coverage is checked on the test units, against the capped truth the model estimates:
# at the last cycle of each unit and over every test cycle.

# %%
# NBVAL_IGNORE_OUTPUT
val_lstm = ts.backtest({"lstm": models["lstm"]}, parts["val"], **UNITS)
conformal = ts.calibration.SplitConformal(alpha=ALPHA)  # each validation unit weighs one
conformal.fit(val_lstm["y_capped"], val_lstm["y_pred"], groups=val_lstm["unit"])
lower_all, upper_all = conformal.interval(test_lstm["y_pred"].to_numpy())
lower_all = np.clip(lower_all, 0.0, None)  # an RUL is never negative
test_capped, is_last = test_lstm["y_capped"].to_numpy(), test_lstm["last"].to_numpy()
covered_all = (test_capped >= lower_all) & (test_capped <= upper_all)
coverage_last = float(covered_all[is_last].mean())
half_width, n_calibration = conformal.quantile_, conformal.n_units_
print(f"conformal half-width: {half_width:.1f} cycles from {n_calibration} validation units")
nominal = f"target {1 - ALPHA:.2f}, {is_last.sum()} units"
print(f"coverage at the last test cycle: {coverage_last:.3f} ({nominal})")
print(f"coverage over all test cycles:   {covered_all.mean():.3f}")

# %% [markdown]
# ## 8. Early detection: RUL alarm against threshold and CUSUM on a health indicator
#
# * **LSTM**: alarm at every cycle where the estimated RUL is at most `ALARM_RUL`.
# * **Health indicator (HI)**: the first principal component of the scaled sensors, fitted on
#   the training units and oriented to grow with wear. Both detectors take the first
#   `HEALTHY_CYCLES` cycles of every training unit as their healthy reference.
# * **Threshold**: alarm when the EWMA-smoothed HI is more than `THRESHOLD_Z` healthy standard
#   deviations high; **CUSUM**: Page's one-sided CUSUM on the raw HI (`CUSUM_K`, `CUSUM_H`).
#
# Events: on the simulator an alarm is due from the **true fault onset**; on C-MAPSS, which has
# no onset, from the first cycle whose true RUL is at most `ALARM_RUL`. Delay is the first
# alarm at or after the event minus the event (over detected units); every alarm before the
# event is false (per 1,000 pre-event cycles); a unit whose event was observed but never raised
# an alarm is missed. Test units cut before their event only add false-alarm exposure.

# %%
# NBVAL_IGNORE_OUTPUT
test_ids = parts["test"].index.get_level_values(0).unique()
# the LSTM's estimate at every test cycle
lstm_rul = test_lstm.set_index(["unit", "cycle"])["y_pred"]
DETECTORS = {"healthy_cycles": HEALTHY_CYCLES, "threshold_z": THRESHOLD_Z, "smoothing": SMOOTHING}
DETECTORS |= {"cusum_k": CUSUM_K, "cusum_h": CUSUM_H}
indicator, signals = indicator_alarms(
    parts["train"], parts["test"], KEPT, parts["train"]["capped"], **DETECTORS
)
alarms = {"lstm": rul_alarms(lstm_rul, ALARM_RUL), **indicator}
signals = {"lstm": lstm_rul, **signals}
due = alarm_due_positions(test_frame[TARGET], ALARM_RUL)
# C-MAPSS has no fault onset: the due cycle is the event
events, EVENT = due, f"true RUL <= {ALARM_RUL}"
if HAS_TRUTH:  # the fault is present from cycle onset + 1, i.e. position `onset`
    events = data.truth["test_units"]["onset"].reindex(test_ids).to_numpy(float)
    EVENT = "true fault onset"
detection = alarm_table(alarms, events)  # one row per detector
reached = int(detection["n_events"].iloc[0])
print(f"events: {EVENT}; {reached} of {len(test_ids)} test units reach theirs")
format_table(detection[DETECTION_COLUMNS])

# %%
# NBVAL_IGNORE_OUTPUT
if HAS_TRUTH:  # the RUL alarm's own target: scored against the cycle it becomes due
    print(f"the same alarms scored against the due cycle (true RUL <= {ALARM_RUL}):")
    display(format_table(alarm_table(alarms, due)[DETECTION_COLUMNS]))
else:
    print("no simulator ground truth: the events above already are the due cycles")

# %%
ylabels = {name: "health indicator (PC1)" for name in indicator}
plot_detection_panels(signals, alarms, events, {"lstm": "estimated RUL (cycles)", **ylabels})
plt.show()  # the longest test unit

# %% [markdown]
# ## 9. Real-time replay: every test unit through one runner
#
# All test units stream concurrently through one `StepwiseRunner` holding the LSTM, one cycle
# per tick: at each tick every active unit's estimate is read (predict), then its new cycle is
# stepped (observe). A tick's latency covers all units together; the budget is
# `LATENCY_BUDGET_MS`. The replayed estimates must equal the batch forward pass.

# %%
# NBVAL_IGNORE_OUTPUT
runner = ts.StepwiseRunner(models["lstm"], device=ts.runner.resolve_device(DEVICE))
result = ts.replay(
    runner, parts["test"], columns=FEATURES, target="target", latency_budget_ms=LATENCY_BUDGET_MS
)  # a stream per unit
summary = result.summary
print(
    f"{summary['streams']} units, {summary['ticks']} ticks; tick latency p50 {summary['p50_us']:.0f} us, "
    f"p99 {summary['p99_us']:.0f} us; {summary['deadline_misses']} ticks over {LATENCY_BUDGET_MS} ms"
)
print(f"state per stream: {models['lstm'].state_bytes_per_stream()} bytes")
tick_latency = result.frame.drop_duplicates("t")["latency_us"]  # one latency per tick
plot_latency_histogram(tick_latency, budget_us=1e3 * LATENCY_BUDGET_MS)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
replayed = result.frame.dropna(subset=["y_pred"]).set_index(["stream", "t"])["y_pred"]
forward = ts.backtest({"lstm": models["lstm"]}, parts["test"], columns=FEATURES, floor=None)  # raw
tick = forward.groupby("unit").cumcount() + 1  # the tick that reads a cycle's estimate
forward.index = pd.MultiIndex.from_arrays([forward["unit"], tick], names=["stream", "t"])
gap = np.abs(replayed - forward["y_pred"].reindex(replayed.index))
print("replayed estimates:", len(replayed))
print("stepwise == forward:", bool(gap.max() <= 1e-5))

# %%
# the six longest test units: LSTM estimate, true RUL, conformal band and the cap
plot_unit_intervals(
    test_lstm, lower_all, upper_all, cap=RUL_CAP, label=f"{1 - ALPHA:.0%} conformal"
)
plt.show()

# %% [markdown]
# ## 10. Conclusions
#
# * **RUL accuracy (simulator).** The GRU wins the standard-protocol RMSE (23.4) and NASA score
#   (1529), and the all-cycles RMSE (21.9), but the gradient-boosted trees are within bootstrap
#   noise of it on the protocol (23.5; CI of the difference [−1.7, +1.5]) and beat the LSTM there.
#   Ridge is clearly worse (27.9) and the mean predictor is a floor (46.8). The trees keep up
#   because in this simulator each sensor is a health index plus independent noise: a 30-cycle
#   mean and slope already summarise almost everything, so the recurrent models' longer memory
#   buys little. Most of the remaining error sits in test units cut while their true RUL is far
#   above the 125-cycle cap (simulated lives reach 300 cycles): no capped model can see those,
#   which is why the RMSE against the capped truth is about 20.
# * **C-MAPSS (the goal).** Not measured: the NASA files cannot be fetched here. The same
#   code, parameters and protocol run on them (tested on NASA-format FD001 and FD002-style files
#   written by the tests, whose numbers are simulated). The published figures — LSTM 16.14
#   (Zheng et al. 2017) and DCNN 12.61 / score 273.7 (Li et al. 2018) on FD001 — appear next to
#   the results whenever `SUBSET="FD001"`, together with a line saying whether RMSE ≤ 12, score
#   ≤ 250 and "beats the boosted trees" are met. If they are not, the levers, in order of cost:
#   train longer (`reports/params/full.yaml`: 300 epochs), average a few seeds (an ensemble),
#   tune `HIDDEN`, `LAYERS`, `LR` and `RUL_CAP` (120–130) on the validation units, and add a
#   convolutional or attention front end as in the papers reporting 10.7–11.5.
# * **Intervals.** Split-conformal by unit is cheap and honest here: 91% coverage at the last
#   cycle and 95% over all cycles for a 90% target. Its width is constant (±37.8 cycles), too wide
#   near failure and about right far from it; a scale that grows with the predicted RUL would
#   tighten it where it matters.
# * **Early detection.** CUSUM wins on delay (31 cycles after onset) and misses (14 of 82), the
#   threshold detector is close behind; the LSTM's RUL alarm wins on false alarms (0 per 1,000
#   cycles). They answer different questions: the detectors say "this engine has started to wear",
#   the RUL alarm says "act within 30 cycles". Scored against that second question the detectors'
#   early alarms become 94–177 premature alarms per 1,000 cycles and the RUL alarm is the useful
#   one (2.4-cycle delay, 1 of 23 missed). The detectors use textbook settings (3σ, k = 0.5,
#   h = 5) from the first 30 cycles of each training unit, not tuned thresholds.
# * **Streaming.** One runner holds all test units; a tick over 100 units costs well under a
#   millisecond at the median and stays inside the 10 ms budget at the 99th percentile on a
#   loaded 2-core machine, each unit's state is 512 bytes whatever its age, and the replayed
#   estimates equal the batch forward pass to 1e-5.
# * **Not done.** The causal transformer is not trained: whole trajectories of up to ~360 cycles
#   would need its context to hold them all, and its training does not fit the notebook's
#   2.5-minute budget on 2 CPU cores.

# %%
# NBVAL_IGNORE_OUTPUT
accuracy = ranking_lines(
    table.loc[MODELS], ["rmse", "nasa", "rmse_capped_truth", "rmse_all_cycles"]
)
alarm_ranking = ranking_lines(
    detection, ["mean_delay", "false_alarms_per_k", "missed_units"], "lowest"
)
print("\n".join(accuracy + alarm_ranking))
if note is None:  # C-MAPSS FD001: the published figures and the goal apply
    print(fd001_goal_line(table, best_deep))

# %%
# NBVAL_IGNORE_OUTPUT
metrics = {"dataset": data.info.name, "subset": SUBSET_NAME, "n_test": int(N_TEST)}
metrics |= {
    f"{k}_{m}": table.loc[m, k] for m in MODELS for k in ("rmse", "nasa", "rmse_all_cycles")
}
metrics["coverage90_lstm"] = coverage_last
detection_keys, notes = detection_metrics(detection)  # none detected: censored lower bound
metrics |= detection_keys
for line in notes:
    print(line)
ts.reports.record(**metrics)
_ = ts.reports.record_headline(
    metric="rmse",
    deep_model=best_deep,
    deep_value=float(table.loc[best_deep, "rmse"]),  # best deep model
    baseline=best_baseline,
    baseline_value=float(table.loc[best_baseline, "rmse"]),
    lower_is_better=True,
)
print(f"notebook wall time: {time.perf_counter() - NOTEBOOK_STARTED:.0f} s")
