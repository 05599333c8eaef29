#!/usr/bin/env bash
# Fetch a patient's prior studies from the hospital's PACS into the gateway (C-FIND, then C-MOVE to this gateway);
# once stable they are forwarded to the platform like any other study.
#   priors.sh CONFIG_DIR PATIENT_ID [STUDY_DATE]     (STUDY_DATE: YYYYMMDD or a range YYYYMMDD-YYYYMMDD)
# Prints each study found (StudyInstanceUID, date, description), then how many were moved.
set -euo pipefail
dir=${1:?usage: priors.sh CONFIG_DIR PATIENT_ID [STUDY_DATE]}
pid=${2:?usage: priors.sh CONFIG_DIR PATIENT_ID [STUDY_DATE]}
date=${3:-}
cfg="$dir/orthanc.json"
port=$(jq -r .HttpPort "$cfg")
aet=$(jq -r .DicomAet "$cfg")
jq -e '.DicomModalities.pacs' "$cfg" >/dev/null || { echo "priors: no PACS configured (PACS=AET@host:port)" >&2; exit 2; }
api() { curl -sf -K "$dir/curl-local.conf" "$@"; }
base="http://127.0.0.1:$port"
query=$(jq -n --arg pid "$pid" --arg date "$date" \
  '{Level: "Study", Query: ({PatientID: $pid, StudyInstanceUID: "", StudyDescription: ""} + (if $date == "" then {StudyDate: ""} else {StudyDate: $date} end))}')
id=$(api -X POST --data-binary "$query" "$base/modalities/pacs/query" | jq -r .ID)
answers=$(api "$base/queries/$id/answers?expand&simplify")
echo "$answers" | jq -r '.[] | "\(.StudyInstanceUID)\t\(.StudyDate // "")\t\(.StudyDescription // "")"'
n=$(echo "$answers" | jq length)
if [ "$n" -gt 0 ]; then
  api -X POST --data-binary "$(jq -n --arg aet "$aet" '{TargetAet: $aet, Synchronous: true}')" \
    "$base/queries/$id/retrieve" >/dev/null
fi
echo "priors: $n study(ies) moved from the PACS to $aet"
