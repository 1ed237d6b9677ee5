// The simulator's ISA layer: instruction tables, decoder and wave interpreter (see docs/isa.md).
#pragma once

#include "amdhal_sim_isa/decoder.h"
#include "amdhal_sim_isa/executor.h"
#include "amdhal_sim_isa/tables.h"
