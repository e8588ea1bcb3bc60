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
from scipy import special, stats

import tslib
from tslib.baselines import GarchVaR
from tslib.calibration import AdaptiveConformal, aci_coverage_bound
from tslib.datasets.prices import first_test_day, load_prices, price_returns
from tslib.encoders import RecurrentEncoder
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.evaluate.risk_forecast import LocationScaleForecast
from tslib.evaluate.risk_report import aci_table, coverage_tests, risk_table, subperiod_table
from tslib.evaluate.risk_walk import garch_walk, historical_walk, normal_walk, riskmetrics_walk
from tslib import parameters as param
from tslib.plots import format_table, plot_var_exceedances, use_style
from tslib.preprocess import VolatilityFeatures
from tslib.reports import record, record_headline
from tslib.runner import StepwiseRunner, resolve_device
from tslib.training import fit, next_step_windows

NOTEBOOK_STARTED = time.perf_counter()
use_style()
print(f"tslib {tslib.__version__} | torch {torch.__version__} | python {platform.python_version()}")
print(f"threads: {torch.get_num_threads()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds torch and numpy: the same seed gives the same numbers on a CPU
QUICK = False  # smoke-test sizes: few epochs, small models, a short replay
DEVICE = "auto"  # device of the replay runner; training always runs on the CPU (deterministic)
DATASET = "sp500"  # "sp500" or "nasdaq" (arch's packaged data), or "csv": a Yahoo-format file
DATA_PATH = None  # the price file for DATASET "csv": Date,Open,High,Low,Close,Adj Close,Volume
SECOND_DATASET = "nasdaq"  # a second packaged index stepped in the same runner; None: one stream
PRICE_COLUMN = None  # price column; None: "Adj Close" when present, else "Close"
TEST_START = (
    "2007-01-01"  # first test day; the last 30% of the days if the data does not straddle it
)
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
RUNNER_DEVICE = resolve_device(DEVICE)
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
    data, frame, r = loaded[stream], loaded[stream].frame, returns[stream]
    gaps = np.diff(frame.index.values).astype("timedelta64[D]").astype(int)
    print(f"== {stream}: {data.info.description or data.info.source}")
    print(f"source: {data.info.source} | licence: {data.info.licence}")
    print(f"citation: {data.info.citation}")
    print(
        f"size: {len(frame)} rows x {frame.shape[1]} columns | span {frame.index[0].date()} .. {frame.index[-1].date()}"
    )
    print(
        f"frequency: trading days (median gap {int(np.median(gaps))} day, {int((gaps > 4).sum())} gaps longer than a long weekend)"
    )
    print(f"price column: {price_columns[stream]} | returns: {len(r)}")
    repairs = list(data.repairs)
    if r["range"].isna().any():
        repairs.append(
            f"no intraday range (High == Low or missing) on {int(r['range'].isna().sum())} days"
        )
    if "Volume" in frame and (frame["Volume"] == 0).any():
        repairs.append(
            f"volume 0 on {int((frame['Volume'] == 0).sum())} days (kept; volume is not used)"
        )
    print("repairs and notes:", "; ".join(repairs) if repairs else "none")

# %% [markdown]
# ### Exploration
#
# Prices on a log scale, returns, a 21-day rolling volatility (annualised) for every stream,
# and a QQ plot of the primary stream's returns against the normal: the tails are far
# heavier than normal, and volatility clusters, which is what every model below tries to follow.

# %%
fig, axes = plt.subplots(2, 2, figsize=(12, 7))
for stream in STREAMS:
    frame = loaded[stream].frame
    axes[0, 0].plot(frame.index, frame[price_columns[stream]], label=stream, linewidth=0.8)
    axes[1, 0].plot(
        returns[stream].index,
        returns[stream]["return"].rolling(21).std() * np.sqrt(252),
        label=stream,
        linewidth=0.8,
    )
axes[0, 0].set_yscale("log")
axes[0, 0].set_title("price (log scale)")
axes[0, 0].set_ylabel("price (index points)")
axes[0, 0].legend()
r = returns[PRIMARY]["return"]
axes[0, 1].plot(r.index, r, linewidth=0.5)
axes[0, 1].set_title(f"{PRIMARY}: daily log return")
axes[0, 1].set_ylabel("log return (%)")
axes[1, 0].set_title("21-day rolling volatility")
axes[1, 0].set_ylabel("volatility (% a year)")
axes[1, 0].legend()
for ax in (axes[0, 0], axes[0, 1], axes[1, 0]):
    ax.set_xlabel("date")
stats.probplot((r - r.mean()) / r.std(), dist="norm", plot=axes[1, 1])
axes[1, 1].get_lines()[0].set_label("standardised returns")
axes[1, 1].get_lines()[1].set_label("normal")
axes[1, 1].set_xlabel("normal quantile (sd)")
axes[1, 1].set_ylabel("return quantile (sd)")
axes[1, 1].legend()
axes[1, 1].set_title(f"{PRIMARY}: QQ plot against the normal (kurtosis {stats.kurtosis(r):.1f})")
fig.tight_layout()
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
split, features = {}, {}
use_range = all(returns[s]["range"].notna().mean() >= 0.99 for s in STREAMS)
FEATURES = ["z", "abs_z", "log_vol", "log_vol_ratio"] + (["range_z"] if use_range else [])
if not use_range:
    print("range feature skipped: High/Low give no intraday range on more than 1% of the days")
for stream in STREAMS:
    frame = returns[stream]
    test0, why = first_test_day(frame.index, TEST_START, MIN_HISTORY)
    val0 = test0 - VAL_DAYS
    transform = VolatilityFeatures("return", range_column="range" if use_range else None)
    transform.fit(frame.iloc[:val0])  # training span only
    split[stream] = {"val0": val0, "test0": test0, "why": why, "transform": transform}
    features[stream] = transform.transform(frame)
    days = frame.index
    print(
        f"{stream}: train {val0} days {days[0].date()}..{days[val0 - 1].date()} | "
        f"val {VAL_DAYS} days | test {len(frame) - test0} days {days[test0].date()}..{days[-1].date()} ({why})"
    )
print("features:", FEATURES)

# %%
# NBVAL_CHECK_OUTPUT
for stream in STREAMS:
    X = features[stream][FEATURES]
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
def windows(X: np.ndarray, first: int, stop: int):
    return next_step_windows(X[first:stop], SEQ_LEN, STRIDE, targets=(0,))  # target: next day's z


inputs = {s: np.clip(features[s][FEATURES].to_numpy(np.float32), -CLIP, CLIP) for s in STREAMS}
train_parts = [windows(inputs[s], 0, split[s]["val0"]) for s in STREAMS]
val_parts = [windows(inputs[s], split[s]["val0"] - BURN_IN, split[s]["test0"]) for s in STREAMS]
train = tuple(torch.cat([part[i] for part in train_parts]) for i in range(2))
val = tuple(torch.cat([part[i] for part in val_parts]) for i in range(2))
deep, histories = {}, {}
for k, cell in enumerate(["lstm", "gru"]):
    head = StudentTQuantileHead(quantiles=(0.01, 0.05))
    model = RecurrentEncoder(len(FEATURES), HIDDEN, 1, cell=cell, head=head, seed=SEED + k)
    histories[cell] = fit(
        model,
        train,
        val,
        burn_in=BURN_IN,
        epochs=EPOCHS,
        lr=3e-3,
        batch_size=32,
        patience=5,
        seed=SEED,
        device="cpu",
        progress=False,
    )
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
def deep_params(model, stream: str) -> np.ndarray:
    """Head parameters (T, 5) of every day of a stream, from one forward pass over its history."""
    with torch.no_grad():
        raw, _ = model(torch.from_numpy(inputs[stream])[None])  # (1, T, 5)
        return model.head.transform(raw)[0, :, 0].double().numpy()  # (T, 5)


test_returns, forecasts, quantile_var = {}, {}, {}
for stream in STREAMS:
    test0 = split[stream]["test0"]
    r = returns[stream]["return"]
    test_returns[stream] = r.iloc[test0:]
    sigma = features[stream]["sigma"].to_numpy()[test0 - 1 : -1]  # forecast made the day before
    forecasts[stream], quantile_var[stream] = {}, {}
    for cell, model in deep.items():
        params = deep_params(model, stream)[test0 - 1 : -1]  # output of day t-1 predicts day t
        forecasts[stream][cell] = LocationScaleForecast.from_risk_head(params, sigma)
        quantile_var[stream][cell] = -sigma[:, None] * params[:, 3:]  # (T, 2) VaR at 1 % and 5 %

# %%
# NBVAL_CHECK_OUTPUT
probe = torch.from_numpy(inputs[PRIMARY][:64])  # (64, F)
check_runner = StepwiseRunner(deep["lstm"], device="cpu", fast=False)
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
# All of them, like the deep models, forecast day $t$ from returns up to day $t-1$.

# %%
garch_fits = {}
for stream in STREAMS:
    r, test0 = returns[stream]["return"].to_numpy(), split[stream]["test0"]
    forecasts[stream]["garch"], garch_fits[stream] = garch_walk(
        r, test0, refit_every=REFIT_EVERY, fit_window=GARCH_WINDOW, dist="t"
    )
    forecasts[stream]["ewma"] = riskmetrics_walk(r, test0, lam=0.94)
    forecasts[stream]["hs"] = historical_walk(r, test0, window=WINDOW)
    forecasts[stream]["normal"] = normal_walk(r, test0)

# %%
# NBVAL_IGNORE_OUTPUT
columns = ["day", "n_obs", "mu", "omega", "alpha[1]", "beta[1]", "nu"]
print(f"GARCH(1,1)-t fits on {PRIMARY} ({len(garch_fits[PRIMARY])} fits):")
print(format_table(garch_fits[PRIMARY][columns]).to_string(index=False))

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
tables = {
    s: risk_table(test_returns[s].to_numpy(), forecasts[s], alphas=(0.01, 0.05), reference="garch")
    for s in STREAMS
}
SHOW = [
    "var99_rate",
    "var99_kupiec_p",
    "var99_christoffersen_p",
    "var99_cc_p",
    "var99_es_test_p",
    "var99_es_z2",
    "var99_pinball",
    "var95_rate",
    "var95_kupiec_p",
    "var95_christoffersen_p",
    "var95_es_test_p",
    "var95_pinball",
    "qlike",
    "mse",
    "dm_qlike_stat",
    "dm_qlike_p",
]
for stream in STREAMS:
    print(
        f"== {stream}: {len(test_returns[stream])} test days, expected hits {0.01 * len(test_returns[stream]):.0f} (99%) and {0.05 * len(test_returns[stream]):.0f} (95%)"
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
rows = []
for stream in STREAMS:
    r = test_returns[stream].to_numpy()
    for cell in deep:
        for j, alpha in enumerate((0.01, 0.05)):
            for source, var in (
                ("t distribution", forecasts[stream][cell].var(alpha)),
                ("quantile head", quantile_var[stream][cell][:, j]),
            ):
                tests = coverage_tests(r < -var, alpha)
                rows.append(
                    {
                        "stream": stream,
                        "model": cell,
                        "level": f"{100 * (1 - alpha):g}%",
                        "VaR from": source,
                        **tests,
                    }
                )
display(format_table(pd.DataFrame(rows).set_index(["stream", "model", "level", "VaR from"])))

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
VARIANTS = {"linear": ACI_GAMMA, "log": ACI_LOG_GAMMA}
aci_tables, aci_paths = {}, {}
for stream in STREAMS:
    r, n = test_returns[stream].to_numpy(), len(test_returns[stream])
    parts = []
    for scale, gamma in VARIANTS.items():
        table, paths = aci_table(r, forecasts[stream], alpha=0.01, gamma=gamma, scale=scale)
        aci_tables[(stream, scale)], aci_paths[(stream, scale)] = table, paths
        keep = table.drop(columns="aci_cc_p")
        keep = keep.rename(columns={c: c.replace("aci_", f"{scale}_") for c in keep.columns})
        parts.append(
            keep if not parts else keep.drop(columns=[c for c in keep if c.startswith("raw_")])
        )
    bounds = ", ".join(
        f"{scale} gamma {gamma}: |rate - 1%| <= {aci_coverage_bound(0.01, gamma, n, scale):.4f}"
        for scale, gamma in VARIANTS.items()
    )
    print(f"== {stream}: 99% VaR raw and with ACI ({bounds})")
    display(format_table(pd.concat(parts, axis=1)))

# %%
# NBVAL_IGNORE_OUTPUT
gamma = VARIANTS[ACI_SCALE]
table95, _ = aci_table(
    test_returns[PRIMARY].to_numpy(), forecasts[PRIMARY], alpha=0.05, gamma=gamma, scale=ACI_SCALE
)
print(f"== {PRIMARY}: 95% VaR raw and with ACI ({ACI_SCALE}, gamma {gamma})")
display(format_table(table95))

# %% [markdown]
# ### Calm and stress sub-periods
#
# 99 % VaR hits and QLIKE inside each stress window of `STRESS_PERIODS` (those inside the test
# span) and over the remaining, calmer days.

# %%
# NBVAL_IGNORE_OUTPUT
inside = {
    k: v
    for k, v in STRESS_PERIODS.items()
    if pd.Timestamp(v[1]) >= test_returns[PRIMARY].index[0]
    and pd.Timestamp(v[0]) <= test_returns[PRIMARY].index[-1]
}
for name in STRESS_PERIODS:
    if name not in inside:
        print(f"{name}: outside the test span of {PRIMARY}, skipped")
periods = subperiod_table(test_returns[PRIMARY], forecasts[PRIMARY], inside, alpha=0.01)
view = periods.assign(
    cell=lambda f: (
        f["hits"].astype(str)
        + "/"
        + f["days"].astype(str)
        + " ("
        + (100 * f["rate"]).round(1).astype(str)
        + "%)"
    )
)
display(view["cell"].unstack("model")[MODELS])
display(format_table(periods["qlike"].unstack("model")[MODELS]))

# %% [markdown]
# ## 7. Plots
#
# Exceedances of the 99 % VaR of the best deep model and of GARCH-t on the primary stream
# (shaded: the stress windows), and the ACI level $\alpha_t$ of both: it drops after clusters of
# hits (asking for a more conservative quantile) and creeps back up in calm years.

# %%
fig, axes = plt.subplots(3, 1, figsize=(12, 10), sharex=True)
r_test = test_returns[PRIMARY]
for ax, name in zip(axes[:2], [BEST_DEEP, "garch"]):
    plot_var_exceedances(r_test, forecasts[PRIMARY][name].var(0.01), ax=ax)
    ax.set_title(f"{PRIMARY}, {name}: " + ax.get_title())
    ax.set_ylabel("log return (%)")
for ax in axes:
    for k, (first, last) in enumerate(inside.values()):
        label = "stress window" if k == 0 else None
        ax.axvspan(pd.Timestamp(first), pd.Timestamp(last), color="grey", alpha=0.15, label=label)
for name in [BEST_DEEP, "garch", "hs"]:
    axes[2].plot(
        r_test.index, aci_paths[(PRIMARY, ACI_SCALE)][name]["level"], label=name, linewidth=0.9
    )
axes[2].axhline(0.01, color="black", linewidth=0.6, linestyle="--", label="target 1%")
axes[2].set_yscale("log" if ACI_SCALE == "log" else "linear")
axes[2].set_title(f"ACI level alpha_t quoted each day ({ACI_SCALE}, target 1%; 0 = infinite VaR)")
axes[2].set_ylabel("level alpha_t (probability)")
for ax in axes:
    ax.legend(loc="lower left", fontsize="small")
axes[2].set_xlabel("date")
fig.tight_layout()
plt.show()

# %%
fig, ax = plt.subplots(figsize=(12, 3.5))
days = r_test.index
ax.plot(days, r_test.abs(), color="lightgrey", linewidth=0.6, label="|return|")
for name in [BEST_DEEP, "garch", "ewma"]:
    ax.plot(
        days,
        np.sqrt(forecasts[PRIMARY][name].variance()),
        linewidth=0.9,
        label=f"{name} volatility forecast",
    )
ax.set_title(f"{PRIMARY}: one-day volatility forecasts")
ax.set_xlabel("date")
ax.set_ylabel("% per day")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 8. Real-time replay, one trading day at a time
#
# Every stream sits in one `StepwiseRunner` per deep model. The runner is warm-started with the
# history before the test span (`observe`: one fused forward, equal to stepping), then each
# test day is replayed live: at the close, each stream's features are updated with
# `VolatilityFeatures.step` (constant work per day), the runner advances all streams in one
# batched `step`, and the new VaR for tomorrow is read from the head; GARCH-t advances with its
# own stepwise `update` (fixed parameters, fitted on the days before the test span), and an
# `AdaptiveConformal` per stream and model updates its level from the day's hit. The latency of
# each part is timed per day against the budget.

# %%
# NBVAL_IGNORE_OUTPUT
n_days = min(len(test_returns[s]) for s in STREAMS)
n_days = n_days if REPLAY_DAYS is None else min(n_days, REPLAY_DAYS)
runners, heads = {}, {}
for cell, model in deep.items():
    runners[cell] = StepwiseRunner(model, device=RUNNER_DEVICE)
    for stream in STREAMS:  # warm start with the pre-test history
        runners[cell].observe(
            [stream], torch.from_numpy(inputs[stream][: split[stream]["test0"]])[None]
        )
feature_state = {
    s: split[s]["transform"].final_state(returns[s].iloc[: split[s]["test0"]]) for s in STREAMS
}
sigma_now = {s: features[s]["sigma"].iloc[split[s]["test0"] - 1] for s in STREAMS}
garch_days = {
    s: returns[s]["return"].iloc[
        max(0, split[s]["test0"] - (GARCH_WINDOW or split[s]["test0"])) : split[s]["test0"]
    ]
    for s in STREAMS
}
live_garch = {
    s: GarchVaR(dist="t", alpha=0.01).fit(garch_days[s]) for s in STREAMS
}  # fitted before the test span
live_aci = {
    (s, m): AdaptiveConformal(0.01, VARIANTS[ACI_SCALE], ACI_SCALE) for s in STREAMS for m in deep
}
records = {s: returns[s].iloc[split[s]["test0"] :].to_dict("records") for s in STREAMS}  # as a feed
pending = {}  # VaR for the coming day, per (stream, model)
for cell, runner in runners.items():
    params = deep[cell].head.transform(torch.stack([runner.last_output(s) for s in STREAMS]))[:, 0]
    for b, s in enumerate(STREAMS):
        pending[(s, cell)] = params[b].double().numpy()
timings = {name: [] for name in ["features", *deep, "garch", "aci"]}
live_var = {(s, m): [] for s in STREAMS for m in [*deep, "garch"]}
live_hits = {(s, m): [] for s in STREAMS for m in deep}
for t in range(n_days):
    rows = {s: records[s][t] for s in STREAMS}  # the day's close: {"return": ..., "range": ...}
    for s in STREAMS:  # predict: the VaR quoted before the day's return is known
        for cell in deep:
            loc, scale, df = pending[(s, cell)][:3]
            level = live_aci[(s, cell)].quote_level
            q = special.stdtrit(df, level) if 0 < level < 1 else (-np.inf if level <= 0 else np.inf)
            live_var[(s, cell)].append(-sigma_now[s] * (loc + scale * special.stdtrit(df, 0.01)))
            live_hits[(s, cell)].append(rows[s]["return"] < sigma_now[s] * (loc + scale * q))
        live_var[(s, "garch")].append(live_garch[s].var_es()[0])
    started = time.perf_counter_ns()  # observe: features of today's close
    x = []
    for s in STREAMS:
        out, feature_state[s] = split[s]["transform"].step(rows[s], feature_state[s])
        sigma_now[s] = out["sigma"]
        x.append(np.clip([out[f] for f in FEATURES], -CLIP, CLIP))
    x = np.asarray(x, dtype=np.float32)  # (B, F)
    timings["features"].append(time.perf_counter_ns() - started)
    for cell, runner in runners.items():
        started = time.perf_counter_ns()
        params = deep[cell].head.transform(runner.step(STREAMS, x))[:, 0].double().numpy()  # (B, 5)
        timings[cell].append(time.perf_counter_ns() - started)
        for b, s in enumerate(STREAMS):
            pending[(s, cell)] = params[b]
    started = time.perf_counter_ns()
    for s in STREAMS:
        live_garch[s].update(rows[s]["return"])
    timings["garch"].append(time.perf_counter_ns() - started)
    started = time.perf_counter_ns()
    for (s, cell), aci in live_aci.items():
        aci.update(live_hits[(s, cell)][-1])
    timings["aci"].append(time.perf_counter_ns() - started)
latency = pd.DataFrame.from_dict(
    {
        name: {
            "p50_us": np.percentile(v, 50) / 1e3,
            "p99_us": np.percentile(v, 99) / 1e3,
            "max_us": np.max(v) / 1e3,
            f"misses_over_{LATENCY_BUDGET_MS:g}ms": int(
                (np.array(v) > LATENCY_BUDGET_MS * 1e6).sum()
            ),
        }
        for name, v in timings.items()
    },
    orient="index",
)  # one row per part; the misses column stays an integer
print(
    f"{n_days} days x {len(STREAMS)} stream(s); runner device {RUNNER_DEVICE}; times per day for all streams together"
)
display(format_table(latency))
for cell, runner in runners.items():
    stats_now = runner.stats()
    print(
        f"{cell}: state {stats_now['state_bytes'] // len(STREAMS)} bytes per stream, {stats_now['streams']} streams in one runner"
    )

# %%
# NBVAL_CHECK_OUTPUT
gaps = []
for s in STREAMS:
    for cell in deep:
        gaps.append(
            np.max(np.abs(np.array(live_var[(s, cell)]) - forecasts[s][cell].var(0.01)[:n_days]))
        )
        batch_hits = aci_paths[(s, ACI_SCALE)][cell]["hit"].to_numpy()[:n_days]
        gaps.append(float(np.any(np.array(live_hits[(s, cell)]) != batch_hits)))
    garch_frozen = GarchVaR(dist="t").fit(garch_days[s])
    reference = garch_frozen.run(test_returns[s].iloc[:n_days])["var"].to_numpy()
    gaps.append(np.max(np.abs(np.array(live_var[(s, "garch")]) - reference)))
print(f"live replay == batch forecasts (VaR, ACI hits, GARCH): {bool(max(gaps) <= 1e-4)}")

# %%
# NBVAL_IGNORE_OUTPUT
main, aci_main = tables[PRIMARY], aci_tables[(PRIMARY, ACI_SCALE)]


def finite(value):
    """Record a number, or "n/a" where a test is undefined (fewer than 2 hits for the ES test)."""
    return float(value) if np.isfinite(value) else "n/a"


metrics = {"dataset": DATASET, "n_test": len(test_returns[PRIMARY])}
for m in ["lstm", "gru", "garch", "ewma", "hs"]:
    for key in [
        "var99_rate",
        "var99_kupiec_p",
        "var99_christoffersen_p",
        "var95_rate",
        "var95_kupiec_p",
    ]:
        metrics[f"{key}_{m}"] = finite(main.loc[m, key])
    metrics[f"es99_test_p_{m}"] = finite(main.loc[m, "var99_es_test_p"])
    metrics[f"qlike_{m}"] = finite(main.loc[m, "qlike"])
for m in ["lstm", "gru"]:
    metrics[f"var99_rate_{m}_aci"] = finite(aci_main.loc[m, "aci_rate"])
    metrics[f"var99_kupiec_p_{m}_aci"] = finite(aci_main.loc[m, "aci_kupiec_p"])
record(**metrics)
qlike = main[
    "qlike"
]  # the headline metric: QLIKE of the one-day variance forecast (lower is better)
deep_best, base_best = (
    qlike[["lstm", "gru"]].idxmin(),
    qlike[["garch", "ewma", "hs", "normal"]].idxmin(),
)
_ = record_headline(
    metric="qlike",
    deep_model=deep_best,
    deep_value=float(qlike[deep_best]),
    baseline=base_best,
    baseline_value=float(qlike[base_best]),
    lower_is_better=True,
)

# %%
# NBVAL_IGNORE_OUTPUT
main = tables[PRIMARY]
scores = {
    "99% VaR rate closest to 1%": (main["var99_rate"] - 0.01).abs().idxmin(),
    "99% Kupiec p (highest)": main["var99_kupiec_p"].idxmax(),
    "99% conditional coverage p (highest)": main["var99_cc_p"].idxmax(),
    "95% VaR rate closest to 5%": (main["var95_rate"] - 0.05).abs().idxmin(),
    "pinball 1% (lowest)": main["var99_pinball"].idxmin(),
    "pinball 5% (lowest)": main["var95_pinball"].idxmin(),
    "ES 99% McNeil-Frey p (highest)": main["var99_es_test_p"].idxmax(),
    "QLIKE (lowest)": main["qlike"].idxmin(),
    "MSE of variance (lowest)": main["mse"].idxmin(),
    f"99% Kupiec p with ACI {ACI_SCALE} (highest)": aci_tables[(PRIMARY, ACI_SCALE)][
        "aci_kupiec_p"
    ].idxmax(),
}
print(f"winners on {PRIMARY}:")
for metric, model in scores.items():
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
