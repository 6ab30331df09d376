r"""The Gaussian-mixture memorization laboratory (Buchanan, Pai, Ma, De Bortoli; issue 5).

* :mod:`.data` — the GMM, the noising process of any registry schedule, the paper's time grid;
* :mod:`.denoisers` — generalizing, memorizing, partially memorizing and trainable denoisers,
  one Bayes-posterior-mean family.
"""

from .data import GMMData, GMMError, GMMSetting, generate, paper_grid, process
from .denoisers import MixtureDenoiser, denoise, generalizing, memorizing, partially_memorizing, to_epsilon

__all__ = ["GMMData", "GMMError", "GMMSetting", "generate", "paper_grid", "process", "MixtureDenoiser",
           "denoise", "generalizing", "memorizing", "partially_memorizing", "to_epsilon"]
