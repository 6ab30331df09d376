r"""The Gaussian-mixture memorization laboratory (Buchanan, Pai, Ma, De Bortoli; issue 5).

* :mod:`.data` — the GMM (or your own: :func:`problem`), the noising process of any registry
  schedule, the paper's time grid;
* :mod:`.denoisers` — generalizing, memorizing, partially memorizing and trainable denoisers,
  one Bayes-posterior-mean family (mixture weights optional), each with its x0, epsilon, score and
  velocity predictions;
* :mod:`.criterion` — the memorization criterion (Def. 2.2);
* :mod:`.losses`, :mod:`.crossover` — training losses per noise level, the approximations and
  the loss crossover M*;
* :mod:`.training`, :mod:`.sampling`, :mod:`.sweep` — the M-component denoiser trained by Adam,
  deterministic DDIM, the resumable phase-transition sweep;
* :mod:`.weighting_fit` — the paper's reading of 4/5: a grid's measured transitions and a loss
  weighting fitted by regression (EDGE-45-PAPER);
* the command line ``memverify gmm losses|crossover|sweep|fit-weighting`` is :mod:`verify.cli.gmm`.
"""

from .criterion import memorization_ratio, memorized
from .crossover import crossover_slope, generalizing_excess, measured_crossover
from .data import GMMData, GMMError, GMMSetting, generate, paper_grid, problem, process
from .denoisers import (
    MixtureDenoiser,
    denoise,
    generalizing,
    memorizing,
    partially_memorizing,
    to_epsilon,
    to_score,
    to_velocity,
)
from .losses import LossTable, Partial, standard_denoisers, training_losses

__all__ = ["memorization_ratio", "memorized", "GMMData", "GMMError", "GMMSetting", "generate", "paper_grid",
           "problem", "process", "MixtureDenoiser", "denoise", "generalizing", "memorizing",
           "partially_memorizing", "to_epsilon", "to_score", "to_velocity", "Partial", "LossTable",
           "standard_denoisers", "training_losses", "crossover_slope", "generalizing_excess",
           "measured_crossover"]
