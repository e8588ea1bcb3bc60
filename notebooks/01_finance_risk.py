# %% [markdown]
# # Market risk one day at a time: stepwise LSTM / GRU against GARCH, RiskMetrics and historical simulation
#
# **Question.** Does a stepwise recurrent model give better one-day market-risk forecasts
# (volatility, 95 % and 99 % VaR and ES) than GARCH(1,1)-t, RiskMetrics and historical
# simulation, and does it stay calibrated through stress periods (2008, 2020) when it is
# updated one trading day at a time, with no refit and no window rebuild?
#

# %% [markdown] tags=["answer"]
# **Answer (default data: S&P 500 and NASDAQ, test span 2007-2018).** Partly. On 3,020 test days per index the
# stepwise LSTM forecasts volatility better than GARCH(1,1)-t (QLIKE 0.806 against 0.881 on the
# S&P 500, Diebold-Mariano p < 0.001; 1.108 against 1.175 on the NASDAQ) and its 99 % VaR has
# fewer exceedances than every baseline (1.6 % against 1.9 % for GARCH-t and historical
# simulation and 2.6 % for RiskMetrics). But 1.6 % is still too many: Kupiec's test rejects the
# raw 99 % VaR of the deep models (p = 0.003) as it rejects every baseline, the misses bunch up
# in 2008 and 2011, and GARCH-t wins the expected-shortfall backtest. The networks learned their
# tails from 1999-2004 and those tails are too thin for 2008. Adaptive conformal inference,
# updated from each day's hit with no refit, closes the gap: with its level updated on a log
# scale the LSTM's 99 % VaR is exceeded on 1.09 % of the days, which passes Kupiec (p = 0.61)
# and Christoffersen (p = 0.053, just above the line) on the S&P 500 and both on the NASDAQ.
# The standard additive update also reaches about 1 %, but only by quoting an infinite VaR on
# 140 to 160 days for the deep models (up to 850 for RiskMetrics). Both streams step through one runner in about 0.2 ms a day per model, with
# 128 bytes of LSTM state per stream.
#

# %%
# NBVAL_IGNORE_OUTPUT
import platform
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

import tslib as ts
from tslib import parameters as param
from tslib.baselines import GarchVaR, HistoricalVaR, NormalVaR, RiskMetricsVaR
from tslib.calibration import AdaptiveConformal, aci_coverage_bound
from tslib.datasets.price_card import price_card
from tslib.datasets.prices import first_test_day, load_prices, price_returns
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.evaluate import RiskStream
from tslib.plots import format_table, use_style
from tslib.plots.returns import plot_return_overview
from tslib.plots.risk_backtest import plot_risk_backtest
from tslib.preprocess import VolatilityFeatures
from tslib.reports import record, record_headline

NOTEBOOK_STARTED = time.perf_counter()
use_style()
print(f"tslib {ts.__version__} | torch {torch.__version__} | python {platform.python_version()}")
print(f"threads: {torch.get_num_threads()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds torch and numpy: the same seed gives the same numbers on a CPU
QUICK = False  # smoke-test sizes: few epochs, small models, a short replay
DEVICE = "auto"  # device of the replay runner; training always runs on the CPU (deterministic)
DATASET = "sp500"  # "sp500" or "nasdaq" (arch's packaged data), or "csv": a Yahoo-format file
DATA_PATH = None  # the price file for DATASET "csv": Date,Open,High,Low,Close,Adj Close,Volume
SECOND_DATASET = "nasdaq"  # a second packaged index stepped in the same runner; None: one stream
PRICE_COLUMN = None  # price column; None: "Adj Close" when present, else "Close"
TEST_START = "2007-01-01"  # first test day; the last 30% of the days if the data lacks it
VAL_DAYS = 500  # validation span (early stopping) just before the test span
WINDOW = 250  # historical-simulation window, days
REFIT_EVERY = 250  # GARCH refit period over the test span in days (None: fit once, never refit)
GARCH_WINDOW = 2500  # trailing days each GARCH fit uses (None: every day before the refit)
HIDDEN = 16  # hidden units of the LSTM and the GRU
EPOCHS = 40  # maximum training epochs (early stopping on the validation span)
SEQ_LEN = 128  # days per training window
STRIDE = 32  # days between the starts of training windows
BURN_IN = 32  # leading days of each window left out of the loss (the state warms up)
ACI_GAMMA = 0.005  # step of adaptive conformal inference on the level (Gibbs & Candes, 2021)
ACI_LOG_GAMMA = 0.5  # step of the same update on the log of the level
ACI_SCALE = "log"  # the ACI variant recorded, replayed and plotted: "linear" or "log"
LATENCY_BUDGET_MS = 1.0  # per-day deadline of each model in the replay
STRESS_PERIODS = {  # dated stress windows for the sub-period table (outside the data: skipped)
    "2008 crisis": ("2008-09-01", "2009-06-30"),
    "2011 euro crisis": ("2011-08-01", "2011-10-31"),
    "2020 Covid crash": ("2020-02-20", "2020-06-30"),
}

# %%
_ = param.check_parameters(
    globals(),
    SEED=param.integer(0),
    QUICK=param.boolean(),
    DEVICE=param.device(),
    DATASET=param.choice("sp500", "nasdaq", "csv"),
    DATA_PATH=param.optional(param.path()),
    SECOND_DATASET=param.choice(None, "sp500", "nasdaq"),
    PRICE_COLUMN=param.optional(param.text()),
    TEST_START=param.date(),
    VAL_DAYS=param.integer(20),
    WINDOW=param.integer(100),  # a 1 % quantile needs at least 100 days
    REFIT_EVERY=param.optional(param.integer(1)),
    GARCH_WINDOW=param.optional(param.integer(250)),
    HIDDEN=param.integer(1),
    EPOCHS=param.integer(1),
    SEQ_LEN=param.integer(2),
    STRIDE=param.integer(1),
    BURN_IN=param.integer(0),
    ACI_GAMMA=param.real(0, 1, low_open=True),
    ACI_LOG_GAMMA=param.real(0, None, low_open=True),
    ACI_SCALE=param.choice("linear", "log"),
    LATENCY_BUDGET_MS=param.real(0, None, low_open=True),
    STRESS_PERIODS=param.mapping_of(
        param.text(), param.sequence_of(param.date(), min_length=2, max_length=2)
    ),
)

# %%
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)
torch.use_deterministic_algorithms(True)
if QUICK:
    EPOCHS, HIDDEN, STRIDE = min(EPOCHS, 3), min(HIDDEN, 8), max(STRIDE, SEQ_LEN)
    REFIT_EVERY = None if REFIT_EVERY is None else max(REFIT_EVERY, 1000)
REPLAY_DAYS = 250 if QUICK else None  # test days replayed live (None: all of them)
RUNNER_DEVICE = ts.runner.resolve_device(DEVICE)
MODELS = ["lstm", "gru", "garch", "ewma", "hs", "normal"]  # short names used in every table
CLIP = 10.0  # deep-model inputs are clipped to [-CLIP, CLIP] (a -20 % day is z of about -20)

# %% [markdown]
# ## 1. Data
#
# Daily closing prices become log returns in percent, $r_t = 100\,\log(P_t / P_{t-1})$.
# Each price series is one stream. With the packaged data, S&P 500 and NASDAQ are two
# streams of the same runner; a user's Yahoo file is one stream.

# %%
names = ["csv"] if DATASET == "csv" else [DATASET]
if DATASET != "csv" and SECOND_DATASET not in (None, DATASET):
    names.append(SECOND_DATASET)
loaded, returns, price_columns = {}, {}, {}
for name in names:
    data, column = load_prices(name, path=DATA_PATH, price_column=PRICE_COLUMN)
    stream = Path(DATA_PATH).stem if name == "csv" else name
    loaded[stream], price_columns[stream] = data, column
    returns[stream] = price_returns(data.frame, column)
STREAMS = list(returns)
PRIMARY = STREAMS[0]

# %%
# NBVAL_CHECK_OUTPUT
for stream in STREAMS:
    print(price_card(stream, loaded[stream], price_columns[stream], returns[stream]))

# %% [markdown]
# ### Exploration
#
# Prices on a log scale, returns, a 21-day rolling volatility (annualised) for every stream,
# and a QQ plot of the primary stream's returns against the normal: the tails are far
# heavier than normal, and volatility clusters, which is what every model below tries to follow.

# %%
prices = {s: loaded[s].frame[price_columns[s]] for s in STREAMS}
plot_return_overview(prices, {s: returns[s]["return"] for s in STREAMS}, PRIMARY)
plt.show()

# %% [markdown]
# ## 2. Splits and causal preprocessing
#
# Per stream: training days, then `VAL_DAYS` validation days (early stopping), then the test
# span from `TEST_START`. The features come from `tslib.preprocess.VolatilityFeatures`, fitted
# on the training span only and causal (`step` equals `transform`, checked by the contract
# tests): the RiskMetrics volatility $\sigma_{t+1\mid t}$ ($\lambda = 0.94$), the return in
# units of the previous day's forecast $z_t = r_t / \sigma_{t\mid t-1}$, $|z_t|$, the volatility
# level against the training span's, the ratio of short to long memory volatility, and the
# day's range in units of $\sigma$ where the file has High and Low.
#
# The deep models predict the distribution of $z_{t+1}$, the next return divided by today's
# RiskMetrics volatility (known at the close of day $t$), so they learn the *correction* to
# RiskMetrics (tail shape, mean reversion, asymmetry) in units that stay comparable from 1999's
# calm to 2008's storm. Their VaR is $\sigma_{t+1\mid t}$ times the predicted quantile.

# %%
MIN_HISTORY = VAL_DAYS + max(WINDOW, SEQ_LEN) + 250
use_range = all(returns[s]["range"].notna().mean() >= 0.99 for s in STREAMS)
FEATURES = ["z", "abs_z", "log_vol", "log_vol_ratio"] + (["range_z"] if use_range else [])
if not use_range:
    print("range feature skipped: High/Low give no intraday range on more than 1% of the days")
streams, val0 = {}, {}  # one RiskStream per index: returns, test start, fitted causal features
for stream in STREAMS:
    frame = returns[stream]
    test0, why = first_test_day(frame.index, TEST_START, MIN_HISTORY)
    val0[stream] = test0 - VAL_DAYS
    transform = VolatilityFeatures("return", range_column="range" if use_range else None)
    transform.fit(frame.iloc[: val0[stream]])  # training span only
    streams[stream] = RiskStream(frame, test0, transform, FEATURES, scale_column="sigma", clip=CLIP)
    days = frame.index
    print(
        f"{stream}: train {val0[stream]} days {days[0].date()}..{days[val0[stream] - 1].date()} | "
        f"val {VAL_DAYS} days | test {len(frame) - test0} days {days[test0].date()}..{days[-1].date()} ({why})"
    )
print("features:", FEATURES)

# %%
# NBVAL_CHECK_OUTPUT
for stream in STREAMS:
    X = streams[stream].feature_frame[FEATURES]
    print(f"{stream}: features {X.shape}, NaN: {int(X.isna().sum().sum())}")


# %% [markdown]
# ## 3. Deep models: LSTM and GRU with a Student-t and quantile head
#
# Each model reads the features of day $t$ and outputs, through `StudentTQuantileHead`, a
# Student-t distribution for $z_{t+1}$ (location, scale, degrees of freedom) and two quantiles
# (1 % and 5 %) trained with the pinball loss. The loss is the t negative log-likelihood plus
# the mean pinball loss. Training windows from every stream are pooled (one model for all
# streams); the validation windows come from the span after training and before the test
# span. VaR and ES below come from the predicted t distribution; the quantile head is compared
# separately.


# %%
def windows(stream: str, first: int, stop: int):  # target: next day's z (column 0)
    return ts.training.make_windows(
        streams[stream].inputs[first:stop], SEQ_LEN, stride=STRIDE, targets=(0,)
    )


train_parts = [windows(s, 0, val0[s]) for s in STREAMS]
val_parts = [windows(s, val0[s] - BURN_IN, streams[s].start) for s in STREAMS]
train = tuple(torch.cat([part[i] for part in train_parts]) for i in range(2))
val = tuple(torch.cat([part[i] for part in val_parts]) for i in range(2))
deep, histories = {}, {}
FIT = {"burn_in": BURN_IN, "epochs": EPOCHS, "lr": 3e-3, "batch_size": 32, "patience": 5}
for k, cell in enumerate(["lstm", "gru"]):
    head = StudentTQuantileHead(quantiles=(0.01, 0.05))
    model = ts.RecurrentEncoder(len(FEATURES), HIDDEN, 1, cell=cell, head=head, seed=SEED + k)
    histories[cell] = ts.fit(model, train, val, seed=SEED, device="cpu", progress=False, **FIT)
    deep[cell] = model
print("train windows", tuple(train[0].shape), "| val windows", tuple(val[0].shape))

# %%
# NBVAL_IGNORE_OUTPUT
for cell, history in histories.items():
    best = history[history["best"]].iloc[0]
    print(
        f"{cell}: best epoch {int(best['epoch'])} of {len(history)}, val loss {best['val_loss']:.4f}, "
        f"{history['seconds'].sum():.1f} s, {sum(p.numel() for p in deep[cell].parameters())} parameters"
    )
BEST_DEEP = min(histories, key=lambda c: histories[c]["val_loss"].min())  # chosen on validation
print("best deep model on the validation span:", BEST_DEEP)


# %%
# NBVAL_CHECK_OUTPUT
probe = torch.from_numpy(streams[PRIMARY].inputs[:64])  # (64, F)
check_runner = ts.StepwiseRunner(deep["lstm"], device="cpu", fast=False)
stepped = torch.stack([check_runner.step(["probe"], probe[t : t + 1])[0] for t in range(64)])
with torch.no_grad():
    full, _ = deep["lstm"](probe[None])
print(f"stepwise == forward: {bool((stepped - full[0]).abs().max() <= 1e-5)}")

# %% [markdown]
# ## 4. Baselines on the same test days
#
# * **GARCH(1,1)-t** (`arch`), constant mean, advanced day by day with its fitted parameters
#   and refitted every `REFIT_EVERY` days on the trailing `GARCH_WINDOW` days: the one
#   documented exception to "no refit" (`REFIT_EVERY = None` freezes it);
# * **RiskMetrics EWMA** ($\lambda = 0.94$, normal, zero mean);
# * **historical simulation** over the last `WINDOW` days;
# * the **unconditional normal** of all days before the test span.
#
# All of them, like the deep models, forecast day $t$ from returns up to day $t-1$. One
# `ts.backtest` call walks every model over every stream's test span (the `"risk"` protocol):
# the deep models' Student-t forecast of day $t$ is their head's output at day $t-1$ times
# that day's RiskMetrics volatility. The same call runs the online calibration of section 6
# over every forecast and labels the stress windows of `STRESS_PERIODS`, so every table below
# is a `ts.score` of this one frame of forecasts.

# %%
VARIANTS = {"linear": ACI_GAMMA, "log": ACI_LOG_GAMMA}  # ACI step per scale (section 6)
ACI = f"aci_{ACI_SCALE}_var99"  # the column of the ACI variant recorded, replayed and plotted
baselines = {"garch": GarchVaR(dist="t"), "ewma": RiskMetricsVaR(lam=0.94)}
baselines.update({"hs": HistoricalVaR(window=WINDOW), "normal": NormalVaR()})
calibrators = [AdaptiveConformal(0.01, gamma, scale) for scale, gamma in VARIANTS.items()]
calibrators.append(AdaptiveConformal(0.05, VARIANTS[ACI_SCALE], ACI_SCALE))
options = {"refit_every": REFIT_EVERY, "fit_window": GARCH_WINDOW, "reference": "garch"}  # DM
forecasts = ts.backtest(  # one row per (model, stream, test day)
    {**deep, **baselines}, streams, calibrate=calibrators, periods=STRESS_PERIODS, **options
)
BY = ["stream", "model"]  # ts.score(forecasts, scorer names, by=BY): one row per stream and model

# %%
# NBVAL_IGNORE_OUTPUT
columns = ["day", "n_obs", "mu", "omega", "alpha[1]", "beta[1]", "nu"]
garch_fits = pd.DataFrame(forecasts.attrs["fits"][("garch", PRIMARY)])
print(f"GARCH(1,1)-t fits on {PRIMARY} ({len(garch_fits)} fits):")
print(format_table(garch_fits[columns]).to_string(index=False))

# %% [markdown]
# ## 5. Test evaluation
#
# For each model and level: the exceedance rate, Kupiec's unconditional coverage p-value,
# Christoffersen's independence and conditional coverage p-values, the McNeil-Frey ES test
# (bootstrap p, residuals in units of the forecast volatility; small p: ES too low) and the
# Acerbi-Szekely $Z_2$ (negative: tail risk underestimated), the pinball loss of the return
# quantile $-\mathrm{VaR}$; for the variance forecast, QLIKE and MSE against squared returns, and
# a Diebold-Mariano test on QLIKE against GARCH-t (HAC variance; negative statistic: the model
# has the lower loss). A p-value below 0.05 rejects correct coverage.

# %%
# NBVAL_IGNORE_OUTPUT
TESTS = ["rate", "kupiec_p", "christoffersen_p", "cc_p", "es_test_p", "es_z2", "pinball"]
SHOW = [f"{level}_{k}" for level in ("var99", "var95") for k in TESTS]
SHOW += ["qlike", "mse", "dm_qlike_stat", "dm_qlike_p"]  # DM: QLIKE against GARCH-t
table = ts.score(forecasts, SHOW, by=BY).set_index(BY)
tables = {s: table.loc[s].loc[MODELS] for s in STREAMS}
for stream in STREAMS:
    n = streams[stream].n_test
    print(
        f"== {stream}: {n} test days, expected hits {0.01 * n:.0f} (99%) and {0.05 * n:.0f} (95%)"
    )
    display(format_table(tables[stream][SHOW].T))

# %%
# NBVAL_IGNORE_OUTPUT
row, garch = tables[PRIMARY].loc[BEST_DEEP], tables[PRIMARY].loc["garch"]
passes = row["var99_kupiec_p"] >= 0.05 and row["var99_christoffersen_p"] >= 0.05
print(f"goal on {PRIMARY}, best deep model by validation loss: {BEST_DEEP}")
print(
    f"  99% VaR: rate {row['var99_rate']:.4f}, Kupiec p {row['var99_kupiec_p']:.3f}, Christoffersen p {row['var99_christoffersen_p']:.3f} -> passes both at 5%: {passes}"
)
print(
    f"  QLIKE {row['qlike']:.4f} vs GARCH-t {garch['qlike']:.4f} -> no worse: {row['qlike'] <= garch['qlike']} (DM stat {row['dm_qlike_stat']:.2f}, p {row['dm_qlike_p']:.3f})"
)
for stream in STREAMS[1:]:
    other = tables[stream].loc[BEST_DEEP]
    print(
        f"  {stream}: 99% rate {other['var99_rate']:.4f}, Kupiec p {other['var99_kupiec_p']:.3f}, Christoffersen p {other['var99_christoffersen_p']:.3f}, QLIKE {other['qlike']:.4f} vs GARCH-t {tables[stream].loc['garch', 'qlike']:.4f}"
    )

# %% [markdown]
# The quantile head's own VaR (trained with the pinball loss only on the 1 % and 5 % levels)
# against the VaR of the predicted t distribution of the same network:

# %%
# NBVAL_IGNORE_OUTPUT
tests = ["hits", "rate", "kupiec_p", "christoffersen_p", "cc_p"]
names = [f"{p}{level}_{k}" for level in ("var99", "var95") for p in ("", "q") for k in tests]
quantile = ts.score(forecasts[forecasts["model"].isin(list(deep))], names, by=BY).set_index(BY)
display(format_table(quantile.T))  # var...: t distribution; qvar...: quantile head

# %% [markdown]
# ## 6. Online calibration: adaptive conformal inference
#
# `tslib.calibration.AdaptiveConformal` (Gibbs & Candes, 2021) keeps a working level
# $\alpha_t$: each day the model is asked for its VaR at $\alpha_t$ instead of 1 %, and after
# the day $\alpha_{t+1} = \alpha_t + \gamma(\alpha - \mathrm{hit}_t)$. Whatever the data do, the
# long-run hit rate is within $(\max(\alpha, 1-\alpha) + \gamma)/(\gamma T)$ of $\alpha$. It works on top
# of any model that can quote a VaR at a given level, so every model is shown with and without
# it. Nothing is refitted: it is one number of state per stream and model.
#
# At a 1 % level the additive step is coarse: with $\gamma = 0.005$ one hit halves the level, two
# close hits push it below zero, and a level below zero means an *infinite* VaR (take no risk)
# until about a hundred quiet days have passed. The `log` variant makes the same update on
# $\log\alpha_t$: a hit multiplies the level by $e^{-\gamma(1-\alpha)}$, it never reaches zero (levels
# below $\alpha/100$ quote an infinite VaR), and the same telescoping argument gives a bound about
# ten times tighter at 1 % (printed below). Both are shown; `ACI_SCALE` picks the one recorded.

# %%
# NBVAL_IGNORE_OUTPUT
keys = ["rate", "kupiec_p", "christoffersen_p"]
names = [f"var99_{k}" for k in keys]
names += [f"aci_{s}_var99_{k}" for s in VARIANTS for k in [*keys, "cc_p", "infinite_days"]]
aci_scores = ts.score(forecasts, names, by=BY).set_index(BY)
for stream in STREAMS:
    n = streams[stream].n_test
    bounds = ", ".join(
        f"{scale} gamma {gamma}: |rate - 1%| <= {aci_coverage_bound(0.01, gamma, n, scale):.4f}"
        for scale, gamma in VARIANTS.items()
    )
    print(f"== {stream}: 99% VaR raw and with ACI ({bounds})")
    display(format_table(aci_scores.loc[stream].loc[MODELS].drop(columns="n")))

# %%
# NBVAL_IGNORE_OUTPUT
primary = forecasts[forecasts["stream"] == PRIMARY]  # the test days of the primary stream
names = [f"{p}var95_{k}" for p in ("", f"aci_{ACI_SCALE}_") for k in keys]
print(f"== {PRIMARY}: 95% VaR raw and with ACI ({ACI_SCALE}, gamma {VARIANTS[ACI_SCALE]})")
display(format_table(ts.score(primary, names).set_index("model").loc[MODELS]))

# %% [markdown]
# ### Calm and stress sub-periods
#
# 99 % VaR hits and QLIKE inside each stress window of `STRESS_PERIODS` (those inside the test
# span) and over the remaining, calmer days.

# %%
# NBVAL_IGNORE_OUTPUT
test_days = primary["date"]
inside = {
    k: v
    for k, v in STRESS_PERIODS.items()
    if pd.Timestamp(v[1]) >= test_days.min() and pd.Timestamp(v[0]) <= test_days.max()
}
for name in STRESS_PERIODS:
    if name not in inside:
        print(f"{name}: outside the test span of {PRIMARY}, skipped")
periods = ts.score(primary, ["var99_hits", "var99_rate", "qlike"], by=["period", "model"])
periods = periods.set_index(["period", "model"])
cell = periods.apply(lambda p: f"{p.var99_hits:.0f}/{p.n:.0f} ({100 * p.var99_rate:.1f}%)", axis=1)
display(cell.unstack("model")[MODELS])
display(format_table(periods["qlike"].unstack("model")[MODELS]))

# %% [markdown]
# ## 7. Plots
#
# Exceedances of the 99 % VaR of the best deep model and of GARCH-t on the primary stream
# (shaded: the stress windows), and the ACI level $\alpha_t$ of both: it drops after clusters of
# hits (asking for a more conservative quantile) and creeps back up in calm years.

# %%
aci_level = f"aci_{ACI_SCALE}_level99"  # the level quoted each day
plot_risk_backtest(
    primary,
    [BEST_DEEP, "garch"],
    [BEST_DEEP, "garch", "hs"],
    level_column=aci_level,
    periods=inside,
    log_levels=ACI_SCALE == "log",
)
plt.show()

# %%
wide = primary.pivot(index="date", columns="model")  # one column per model of each quantity
r_test, days = wide["return"].iloc[:, 0], wide.index
fig, ax = plt.subplots(figsize=(12, 3.5))
ax.plot(days, r_test.abs(), color="lightgrey", linewidth=0.6, label="|return|")
for name in [BEST_DEEP, "garch", "ewma"]:
    ax.plot(days, np.sqrt(wide["variance"][name]), linewidth=0.9, label=f"{name} volatility")
ax.set_title(f"{PRIMARY}: one-day volatility forecasts")
ax.set_xlabel("date")
ax.set_ylabel("% per day")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 8. Real-time replay, one trading day at a time
#
# `ts.replay` puts every stream in one `StepwiseRunner` per deep model. The runner is
# warm-started with the history before the test span (`observe`: one fused forward, equal to
# stepping), then each test day is replayed live: the VaR for the day is quoted first, then, at
# the close, each stream's features are updated with `VolatilityFeatures.step` (constant work
# per day), the runner advances all streams in one batched `step`, and the new distribution for
# tomorrow is read from the head; GARCH-t advances with its own stepwise `update` (fixed
# parameters, fitted on the days before the test span), and an `AdaptiveConformal` per stream
# updates its level from each hit once it is revealed (`label_delay` days later; 0 here). The
# latency of each part is timed per day against the budget.

# %%
# NBVAL_IGNORE_OUTPUT
live = {"latency_budget_ms": LATENCY_BUDGET_MS, "days": REPLAY_DAYS, "label_delay": 0}
live_aci = AdaptiveConformal(0.01, VARIANTS[ACI_SCALE], ACI_SCALE)  # a copy per stream
runners = {cell: ts.StepwiseRunner(model, device=RUNNER_DEVICE) for cell, model in deep.items()}
replays = {cell: ts.replay(runners[cell], streams, calibrate=live_aci, **live) for cell in deep}
replays["garch"] = ts.replay(GarchVaR(alpha=0.01), streams, fit_window=GARCH_WINDOW, **live)
parts = {name: pd.DataFrame(summary["parts"]).T for name, (_, summary) in replays.items()}
latency = pd.concat(parts, names=["model", "part"])  # per day, all streams; GARCH: "model" only
latency.columns = [*latency.columns[:-1], f"misses_over_{LATENCY_BUDGET_MS:g}ms"]
n_days = replays["garch"].summary["ticks"]
print(f"{n_days} days x {len(STREAMS)} stream(s); runner device {RUNNER_DEVICE}")
display(format_table(latency))
for cell in deep:
    per_stream = replays[cell].summary["state_bytes_per_stream"]
    print(f"{cell}: state {per_stream} bytes per stream, {len(STREAMS)} streams in one runner")

# %%
# NBVAL_CHECK_OUTPUT
frozen = ts.backtest(
    {"garch": GarchVaR(dist="t")}, streams, refit_every=None, fit_window=GARCH_WINDOW
)  # GARCH-t fitted once before the test span, as in the replay
gaps = []
for name, (frame, _) in replays.items():
    batch = frozen if name == "garch" else forecasts[forecasts["model"] == name]
    both = batch.merge(frame, on=["stream", "date"], suffixes=("_batch", ""))
    gaps.append(np.max(np.abs(both["var"] - both["var99"])))
    if name in deep:
        batch_hits = both["return"] < -both[ACI]
        gaps.append(float((batch_hits != both["aci_hit"].astype(bool)).any()))
print(f"live replay == batch forecasts (VaR, ACI hits, GARCH): {bool(max(gaps) <= 1e-4)}")

# %%
# NBVAL_IGNORE_OUTPUT
main, aci_main = tables[PRIMARY], aci_scores.loc[PRIMARY]


def finite(value):
    """Record a number, or "n/a" where a test is undefined (fewer than 2 hits for the ES test)."""
    return float(value) if np.isfinite(value) else "n/a"


KEYS = ["var99_rate", "var99_kupiec_p", "var99_christoffersen_p", "var95_rate", "var95_kupiec_p"]
KEYS = {**{k: k for k in KEYS}, "es99_test_p": "var99_es_test_p", "qlike": "qlike"}
metrics = {"dataset": DATASET, "n_test": streams[PRIMARY].n_test}
for m in ["lstm", "gru", "garch", "ewma", "hs"]:
    metrics.update({f"{key}_{m}": finite(main.loc[m, column]) for key, column in KEYS.items()})
for m, key in [(m, key) for m in ["lstm", "gru"] for key in ["var99_rate", "var99_kupiec_p"]]:
    metrics[f"{key}_{m}_aci"] = finite(aci_main.loc[m, f"aci_{ACI_SCALE}_{key}"])
record(**metrics)
qlike = main["qlike"]  # the headline: QLIKE of the one-day variance forecast (lower is better)
deep_best, base_best = qlike[list(deep)].idxmin(), qlike[list(baselines)].idxmin()
best = {m: float(qlike[m]) for m in (deep_best, base_best)}
_ = record_headline("qlike", deep_best, best[deep_best], base_best, best[base_best], True)

# %%
# NBVAL_IGNORE_OUTPUT
main = tables[PRIMARY]
winners = {
    "99% VaR rate closest to 1%": (main["var99_rate"] - 0.01).abs().idxmin(),
    "99% Kupiec p (highest)": main["var99_kupiec_p"].idxmax(),
    "99% conditional coverage p (highest)": main["var99_cc_p"].idxmax(),
    "95% VaR rate closest to 5%": (main["var95_rate"] - 0.05).abs().idxmin(),
    "pinball 1% (lowest)": main["var99_pinball"].idxmin(),
    "pinball 5% (lowest)": main["var95_pinball"].idxmin(),
    "ES 99% McNeil-Frey p (highest)": main["var99_es_test_p"].idxmax(),
    "QLIKE (lowest)": main["qlike"].idxmin(),
    "MSE of variance (lowest)": main["mse"].idxmin(),
    f"99% Kupiec p with ACI {ACI_SCALE} (highest)": aci_main[f"{ACI}_kupiec_p"].idxmax(),
}
print(f"winners on {PRIMARY}:")
for metric, model in winners.items():
    print(f"  {metric}: {model}")

# %% [markdown]
# ## 9. Conclusions
#
# Numbers are from the committed run on the default data; the code cells above recompute them on any
# other file, and the "winners" cell names the winner of each metric for whatever data it ran on.
#
# * **Volatility (QLIKE, MSE against squared returns): the deep models win.** LSTM and GRU
#   beat GARCH-t on both indices, and the Diebold-Mariano test rejects equal accuracy (p < 0.001).
#   They start from the RiskMetrics scale and learn what it lacks: mean reversion of volatility
#   (`log_vol`, `log_vol_ratio`), the leverage effect (the sign of $z_t$) and the intraday range,
#   which GARCH does not see. RiskMetrics alone is worse than GARCH-t on QLIKE.
# * **99 % VaR: the deep models come closest, and nobody passes without help.** The LSTM has the
#   rate closest to 1 % and the lowest 1 % pinball loss, but Kupiec rejects every model over
#   2007-2018, GARCH-t and historical simulation included (1.9 %), and on the S&P 500 the
#   LSTM's hits also fail Christoffersen's independence test, narrowly (p = 0.047). In the 2008 window the LSTM
#   and GARCH-t both miss on 2.4 % of the days, historical simulation on 4.8 %: a one-year
#   window reacts late, and a distribution learned from 1999-2004 has too thin a left tail for
#   2008.
# * **95 % VaR: a baseline "wins" by accident.** All conditional models are rejected by Kupiec
#   (rates 5.9-6.3 %). The unconditional normal gets 5.5 % overall only because too many hits in
#   the crises offset too few in calm years; Christoffersen's test rejects it (p = 0.0001).
# * **Expected shortfall: GARCH-t wins.** It passes the McNeil-Frey test at 99 % (p = 0.17); the
#   LSTM is rejected on the S&P 500 (p = 0.02), although its Acerbi-Szekely $Z_2$ is closer to
#   zero. The network's t tail beyond the VaR is too light, while GARCH-t's degrees of freedom
#   (refitted every 250 days, falling from 14 to 5) follow the heavier tails of the test years.
# * **Online calibration: ACI fixes coverage for every model, with no refit.** With the log-scale
#   update every model ends within 0.3 percentage points of 1 % (the guarantee is 0.34), and the
#   deep models pass Kupiec and Christoffersen at 5 % on both indices; that is where the goal of
#   the issue is met, and it is not met by the raw deep VaR. Gibbs and Candes' additive update
#   reaches the same rates but asks for an infinite VaR for months after a cluster of hits
#   (53 to 852 days here, depending on the model), which a risk desk cannot use.
# * **Real time.** In the replay both streams advance through one runner per model; the LSTM
#   step plus head takes about 0.2 ms a day for both streams, the feature update about 0.4 ms
#   (pandas overhead of the generic `StepTransform.step`), GARCH's update below 0.1 ms, and the
#   state is 128 bytes per stream (LSTM) or 64 (GRU). The deadline misses at 1 ms in the table
#   come from a shared, loaded machine (p99 of several ms for every part, GARCH included), not
#   from the models' arithmetic. The live replay reproduces the batch forecasts and ACI hits exactly.
# * **Limits.** The packaged data give only 1,510 training days per stream (1999-2004), and the
#   2020 window lies outside them. With a long Yahoo file (`DATASET="csv"`, 90 years) the
#   models train on decades that include 1929-32 and 1987; GARCH then fits on the trailing
#   `GARCH_WINDOW` days at each refit.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"notebook wall time: {time.perf_counter() - NOTEBOOK_STARTED:.1f} s")
